#!/usr/bin/env node
// Bundles the CLI into one file: measured, resolving ~60 modules of execa, yargs and pino at
// every start costs ~100 ms; the bundle loads in ~10 ms (docs/decisions.md).
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.bundle.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  banner: { js: "import { createRequire as __ioguardCreateRequire } from 'node:module'; const require = __ioguardCreateRequire(import.meta.url);" },
});
