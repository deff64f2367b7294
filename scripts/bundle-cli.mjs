#!/usr/bin/env node
// Bundles the CLI: resolving the dependency graph module by module at every start costs more than
// reading a few files. Split so that each command's code loads only when that command runs
// (`run` never loads status or check); see docs/decisions.md for the measurements.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

const outdir = 'dist/cli-bundle';
rmSync(outdir, { recursive: true, force: true });
rmSync('dist/cli.bundle.js', { force: true });
await build({
  entryPoints: { ioguard: 'src/cli/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // pg require()s its optional native binding inside a try; it is never installed, so leave it unresolved.
  external: ['pg-native'],
  // CommonJS dependencies (pidusage) call require(); give the ESM chunks one.
  banner: { js: "import { createRequire as __ioguardCreateRequire } from 'node:module'; const require = __ioguardCreateRequire(import.meta.url);" },
});
