#!/usr/bin/env node
// Bundles the CLI: resolving the dependency graph module by module at every start costs more than
// reading a few files. Split so that each command's code loads only when that command runs
// (`run` never loads status or check); see docs/decisions.md for the measurements.
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

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
  plugins: [pgNodeOnly],
  // CommonJS dependencies (pidusage) call require(); give the ESM chunks one.
  banner: { js: "import { createRequire as __ioguardCreateRequire } from 'node:module'; const require = __ioguardCreateRequire(import.meta.url);" },
});
