#!/usr/bin/env node
// Bundles the CLI: resolving the dependency graph module by module at every start costs more than
// reading a few files. ioguard's own code is one file; execa, pino, yargs and pg are one file each,
// loaded only on the path that uses them; see docs/decisions.md for the measurements.
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
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

// pg (loaded only with --fleet) asks at import whether it runs on Cloudflare Workers by evaluating
// `typeof Response`; on Node 20 that loads undici, ~15-20 ms of the fleet lock's 30 ms budget
// (docs/decisions.md). The CLI runs on Node only, so answer "no" in the bundle. Both patches fail
// the build if pg changes what they replace, so they never silently stop applying.
const pgNodeOnly = {
  name: 'pg-node-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]stream\.js$/ }, ({ path }) => {
      const source = readFileSync(path, 'utf8');
      const marker = 'function isCloudflareRuntime() {';
      if (!source.includes(marker)) throw new Error(`pg-node-only: ${marker} not found in ${path}; review the patch`);
      return { contents: source.replace(marker, `${marker}\n  return false;`), loader: 'js' };
    });
    // SCRAM login on node:crypto instead of WebCrypto (scripts/bundle/pg-crypto-node.cjs says why).
    b.onLoad({ filter: /[\\/]node_modules[\\/]pg[\\/]lib[\\/]crypto[\\/]utils\.js$/ }, ({ path }) => {
      const exported = /module\.exports = \{([^}]*)\}/.exec(readFileSync(path, 'utf8'))?.[1]?.split(',').map((s) => s.trim()).filter(Boolean).sort().join(',');
      const shim = new URL('./bundle/pg-crypto-node.cjs', import.meta.url);
      const expected = 'deriveKey,hashByName,hmacSha256,md5,postgresMd5PasswordHash,randomBytes,sha256';
      if (exported !== expected) throw new Error(`pg-node-only: ${path} exports ${exported}, the shim ${expected}; review the shim`);
      return { contents: readFileSync(shim, 'utf8'), loader: 'js' };
    });
  },
};
// execa reads process.stdin, stdout and stderr when it loads (a table of the three) and when it
// guesses the direction of fd 3 (the start latch's pipe): each read creates the stream (stdin a
// fs.ReadStream, ~2 ms in all) in a run whose job inherits them as descriptors and whose wrapper
// never touches them. The same table with getters, and no look at them for a value that is not a
// stream or a number, give the same answers. Fails the build if execa changes either line.
const EXECA_PATCHES = [
  ['utils/standard-stream.js', 'export const STANDARD_STREAMS = [process.stdin, process.stdout, process.stderr];',
    "export const STANDARD_STREAMS = ['stdin', 'stdout', 'stderr'].reduce((streams, name, fd) => Object.defineProperty(streams, fd, { get: () => process[name], enumerable: true }), []);"],
  ['stdio/direction.js', 'const getStandardStreamDirection = value => {\n',
    "const getStandardStreamDirection = value => {\n\tif (typeof value !== 'object' && typeof value !== 'number') return undefined;\n"],
];
const execaLazyStandardStreams = {
  name: 'execa-lazy-standard-streams',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]execa[\\/]lib[\\/](utils[\\/]standard-stream|stdio[\\/]direction)\.js$/ }, ({ path }) => {
      let source = readFileSync(path, 'utf8');
      for (const [file, line, patched] of EXECA_PATCHES) {
        if (!path.replaceAll('\\', '/').endsWith(file)) continue;
        if (!source.includes(line)) throw new Error(`execa-lazy-standard-streams: ${JSON.stringify(line)} not found in ${path}; review the patch`);
        source = source.replace(line, patched);
      }
      return { contents: source, loader: 'js' };
    });
  },
};

// CommonJS, not ESM: Node 20's ESM loader resolves, reads and links every file through its async
// hooks, ~20 ms more per run than require() of the same code (docs/decisions.md). Our code is one
// file; each third-party package that loads on one path only is its own file, required there.
const VENDORS = {
  // module.exports is what an ESM importer of CommonJS gets as `default`, so the CLI's
  // `import('pino')` and `import yargs from 'yargs'` see what they see in Node.
  execa: "export { execa } from 'execa';",
  pino: "module.exports = require('pino');",
  yargs: "module.exports = require('yargs').default;",
  // pg's Client module only, not its index (pg-pool, the native-binding check): src/fleet imports
  // 'pg/lib/client.js', whose module.exports is the Client class.
  pg: "module.exports = require('pg/lib/client.js');",
};
/** The specifier the CLI imports each vendor file by. */
const VENDOR_SPECIFIERS = { execa: 'execa', pino: 'pino', yargs: 'yargs', pg: 'pg/lib/client.js' };
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
// The CLI's import of a vendor package loads its file through load-bundle.cjs (with its code cache).
const vendorsExternal = {
  name: 'vendors-external',
  setup(b) {
    const byName = new Map(Object.entries(VENDOR_SPECIFIERS).map(([name, spec]) => [spec, name]));
    b.onResolve({ filter: new RegExp(`^(${[...byName.keys()].map(escapeRe).join('|')})$`) }, (args) => ({ path: byName.get(args.path), namespace: 'vendor' }));
    b.onLoad({ filter: /.*/, namespace: 'vendor' }, (args) => ({
      contents: `module.exports = require('./load-bundle.cjs').loadBundle(${JSON.stringify(`vendor-${args.path}.cjs`)});`,
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/load-bundle\.cjs$/ }, (args) => ({ path: args.path, external: true }));
  },
};
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  legalComments: 'none',
  // import() becomes require(): no path loads Node's ESM loader.
  supported: { 'dynamic-import': false },
  // Strict, as the ES modules they were (CommonJS dependencies included). yargs and yargs-parser
  // find their files from import.meta.url.
  define: { 'import.meta.url': '__ioguardModuleUrl' },
  banner: { js: "'use strict'; var __ioguardModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
};
rmSync(outdir, { recursive: true, force: true });
rmSync('dist/cli.bundle.js', { force: true });
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: `${outdir}/ioguard.cjs`,
  plugins: [vendorsExternal],
});
for (const [name, contents] of Object.entries(VENDORS)) {
  await build({
    ...common,
    stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
    outfile: `${outdir}/vendor-${name}.cjs`,
    // pg require()s its optional native binding inside a try; it is never installed, so leave it unresolved.
    external: ['pg-native'],
    plugins: [pgNodeOnly, asciiWidthFastPath, execaLazyStandardStreams],
  });
}
const execaBundle = readFileSync(`${outdir}/vendor-execa.cjs`, 'utf8');
if (!execaBundle.includes('(streams, name, fd)') || !execaBundle.includes('typeof value !== "object" && typeof value !== "number"')) throw new Error('execa-lazy-standard-streams did not apply; review the patch');
copyFileSync('scripts/bundle/load-bundle.cjs', `${outdir}/load-bundle.cjs`);
// V8 code caches for the bundle files, written by a child process with the CLI's V8 and flags (a
// cache made under other flags is refused). Without them the CLI works the same, only slower to
// start: a failure here warns, never fails the build.
const { NODE_OPTIONS, ...env } = process.env;
const cached = spawnSync(process.execPath, ['scripts/bundle/write-code-cache.cjs', outdir], { stdio: 'inherit', env });
if (cached.status !== 0) console.warn('bundle-cli: no V8 code cache written; the CLI compiles its files at every start');
