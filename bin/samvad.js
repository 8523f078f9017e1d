#!/usr/bin/env node
// The `samvad` command. Samvad runs its TypeScript sources directly through tsx's loader, so a
// fresh clone works right after `npm install` with no build step for the server.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
