import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The dashboard is built into web/dist, which the server serves at `/`.
// Note: vitest must not pick this file up (a root of `web` would make it look only in web/);
// tests use the repository's own vitest.config.ts.
const webRoot = fileURLToPath(new URL('.', import.meta.url));

/**
 * Most sessions open on the inbox, whose page is its own chunk (loaded by a dynamic import once
 * the main bundle has run). A <link rel="modulepreload"> for that chunk and the chunks it imports
 * lets the browser fetch and compile them alongside the main bundle instead of after it.
 */
function preloadInboxChunk(): Plugin {
  return {
    name: 'samvad-preload-inbox',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return [];
        const inbox = Object.values(bundle).find((c) => c.type === 'chunk' && c.isDynamicEntry && c.name === 'InboxPage');
        if (!inbox || inbox.type !== 'chunk') return [];
        const files = new Set<string>([inbox.fileName, ...inbox.imports]);
        for (const c of Object.values(bundle)) if (c.type === 'chunk' && c.isEntry) files.delete(c.fileName);
        return [...files].map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` }, injectTo: 'head' as const }));
      },
    },
  };
}

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react(), preloadInboxChunk()],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
  },
  server: {
    // `npx vite --config web/vite.config.ts` for live editing against a running Samvad.
    proxy: {
      '/api': process.env.SAMVAD_URL ?? 'http://localhost:3000',
      '/docs': process.env.SAMVAD_URL ?? 'http://localhost:3000',
    },
  },
});
