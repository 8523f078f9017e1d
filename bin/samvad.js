#!/usr/bin/env node
// The `samvad` command. `npm install` compiles the server into one bundle (dist/samvad.mjs,
// `npm run build:server`), which starts faster and holds less memory than compiling every module
// on the fly: tsx's loader keeps a second JavaScript heap in its own thread and each module's
// source map in the main heap (about 45 MB between them). When the sources changed after the
// bundle was built (a developer editing src/), or there is no bundle, the sources run directly
// through tsx, so what runs is always what is in src/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = join(root, 'dist', 'samvad.mjs');

/** The newest modification time of a file under dir (a few hundred files: a few milliseconds). */
function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

const fresh = process.env.SAMVAD_FROM_SOURCES !== '1' && existsSync(bundle) && statSync(bundle).mtimeMs >= newestUnder(join(root, 'src'));
if (fresh) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli.ts');
}
