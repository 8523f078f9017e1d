import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The dashboard is built into web/dist, which the server serves at `/`.
// Note: vitest must not pick this file up (a root of `web` would make it look only in web/);
// tests use the repository's own vitest.config.ts.
const webRoot = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
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
