#!/usr/bin/env node
// Bundles the CLI: resolving the dependency graph module by module at every start costs more than
// reading a few files. Split so that each command's code loads only when that command runs
// (`run` never loads status or check); see docs/decisions.md for the measurements.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from 'esbuild';

// yargs' layout (cliui, wrap-ansi) measures every string with string-width, which builds the
// emoji regex again for every character: ~55 ms of each --help or completion request, plus ~20 ms
// to create its Intl.Segmenter at import. ioguard's
// help is printable ASCII, whose width is its length; anything else still goes to string-width.
const asciiWidthFastPath = {
  name: 'string-width-ascii-fast-path',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData?.original) return undefined;
      const real = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, pluginData: { original: true } });
      return { path: real.path, namespace: 'string-width-ascii' };
    });
    b.onLoad({ filter: /.*/, namespace: 'string-width-ascii' }, (args) => ({
      // require(), not import: esbuild then initializes string-width (and its Intl.Segmenter,
      // ~20 ms of ICU loading) only on the first string that is not plain ASCII.
      contents: `export default function width(text, options) {
  if (typeof text === 'string' && /^[\x20-\x7e]*$/.test(text)) return text.length;
  return require(${JSON.stringify(args.path)}).default(text, options);
}`,
      resolveDir: dirname(args.path),
    }));
  },
};

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
  plugins: [asciiWidthFastPath],
  // CommonJS dependencies (pidusage) call require(); give the ESM chunks one.
  banner: { js: "import { createRequire as __ioguardCreateRequire } from 'node:module'; const require = __ioguardCreateRequire(import.meta.url);" },
});
