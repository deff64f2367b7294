import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = new URL('../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'ioguard-pack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed package', () => {
  it('installs from its tarball into a scratch project; its bin and its library entry both work', () => {
    // --ignore-scripts: dist/ is already built by `npm test`; prepare would rebuild it.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, stdio: 'ignore' });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack produced a tarball');
    const project = join(scratch, 'app');
    execFileSync('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(scratch, tarball)], { cwd: project, stdio: 'ignore' });

    const env = { ...process.env, IOGUARD_LOCK_DIR: join(scratch, 'locks'), IOGUARD_LOG_FILE: join(scratch, 'log') };
    const version = spawnSync(join(project, 'node_modules/.bin/ioguard'), ['--version'], { encoding: 'utf8', env });
    assert.equal(version.status, 0, version.stderr);
    const run = spawnSync(join(project, 'node_modules/.bin/ioguard'), ['run', '--no-gate', '--', 'sh', '-c', 'echo from-packed; exit 7'], { encoding: 'utf8', env });
    assert.equal(run.status, 7, run.stderr);
    assert.equal(run.stdout, 'from-packed\n');

    writeFileSync(join(project, 'use.mjs'), `
      import { guard, runCommand, listJobs, EXIT, VERSION } from 'ioguard';
      const g = await guard('packed', () => 42, { logFile: false, gate: { enabled: false } });
      const r = await runCommand(['true'], { logFile: false, gate: { enabled: false } });
      console.log(JSON.stringify({ g: g.outcome, value: g.value, r: r.outcome, jobs: (await listJobs()).length, skipped: EXIT.skipped, VERSION }));
    `);
    const lib = spawnSync(process.execPath, ['use.mjs'], { cwd: project, encoding: 'utf8', env });
    assert.equal(lib.status, 0, lib.stderr);
    const out = JSON.parse(lib.stdout) as Record<string, unknown>;
    assert.deepEqual({ ...out, VERSION: undefined }, { g: 'completed', value: 42, r: 'completed', jobs: 0, skipped: 75, VERSION: undefined });

    // The library path must not drag in the CLI: walk the import graph of the installed entry.
    const pkgDir = join(project, 'node_modules/ioguard');
    const seen = new Set<string>();
    const bare = new Set<string>();
    const walk = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) walk(join(dirname(file), spec));
        else bare.add(spec);
      }
    };
    walk(join(pkgDir, 'dist/index.js'));
    assert.ok(seen.size > 10, `walked ${seen.size} modules`);
    assert.deepEqual([...seen].filter((f) => f.includes('/cli/')), []);
    assert.equal(bare.has('yargs'), false);
  });
});
