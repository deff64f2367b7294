import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'ioguard-pack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const project = join(scratch, 'app');
const env = { ...process.env, IOGUARD_LOCK_DIR: join(scratch, 'locks'), IOGUARD_LOG_FILE: join(scratch, 'log') };
let tarball = '';
let shipped: string[] = [];

const npm = (args: string[], cwd: string): void => void execFileSync('npm', ['--no-audit', '--no-fund', '--prefer-offline', ...args], { cwd, stdio: 'ignore' });
const versionOf = (dep: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', dep, 'package.json'), 'utf8')) as { version: string }).version;

before(() => {
  // --ignore-scripts: dist/ is already built by `npm test`; prepack would rebuild it.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', scratch], { cwd: ROOT, stdio: 'ignore' });
  const name = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
  assert.ok(name, 'npm pack produced a tarball');
  tarball = join(scratch, name);
  shipped = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
  // The schedulers the examples drive, at the versions this checkout tests with.
  npm(['install', tarball, `croner@${versionOf('croner')}`, `node-cron@${versionOf('node-cron')}`], project);
});

describe('the packed package', () => {
  it('installs from its tarball into a scratch project; its bin and its library entry both work', () => {
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
  });

  it('the library entry loads none of the CLI', () => {
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

  it('the shipped examples import "ioguard" and run from the installed package', async () => {
    const examples = shipped.filter((f) => /^examples\/[^/]+\.ts$/.test(f));
    assert.deepEqual(examples.sort(), ['examples/croner.ts', 'examples/node-cron.ts']);
    const tsx = import.meta.resolve('tsx');
    const runs = examples.map((file, i) => {
      const text = readFileSync(join(project, 'node_modules/ioguard', file), 'utf8');
      assert.match(text, /from 'ioguard'/, `${file} imports the package`);
      assert.doesNotMatch(text, /\.\.\/src\//, `${file} does not reach into the source tree`);
      // As a user would: copy the example into the project and run it there.
      const copy = join(project, file.replace('examples/', ''));
      copyFileSync(join(project, 'node_modules/ioguard', file), copy);
      const child = spawn(process.execPath, ['--import', tsx, copy, '4'], {
        cwd: project, env: { ...env, IOGUARD_LOCK_DIR: join(scratch, `locks-${i}`) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      return new Promise<{ file: string; code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ file, code, stdout, stderr })));
    });
    for (const r of await Promise.all(runs)) {
      assert.equal(r.code, 0, `${r.file}: ${r.stderr}`);
      assert.match(r.stdout, /^start \d+$/m, `${r.file} ran a body: ${r.stdout}`);
      assert.match(r.stdout, /^end \d+$/m, `${r.file} finished a body: ${r.stdout}`);
      assert.match(r.stdout, /^stopped$/m);
    }
  });

  it('ships no source maps pointing at sources it does not ship', () => {
    const maps = shipped.filter((f) => f.endsWith('.map'));
    const missing = maps.filter((m) => {
      const { sources = [] } = JSON.parse(execFileSync('tar', ['-xzOf', tarball, `package/${m}`], { encoding: 'utf8' })) as { sources?: string[] };
      return sources.some((s) => !shipped.includes(join(dirname(m), s)));
    });
    assert.deepEqual(missing, []);
  });

  it('every relative link and image in the shipped README points at a shipped file', () => {
    const readme = readFileSync(join(project, 'node_modules/ioguard/README.md'), 'utf8');
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1] as string).filter((t) => !/^[a-z]+:/.test(t));
    assert.ok(targets.some((t) => t.endsWith('.svg')), 'the README has its image');
    const broken = targets.filter((t) => !existsSync(join(project, 'node_modules/ioguard', t)));
    assert.deepEqual(broken, []);
  });

  it('a global install from the tarball needs no build step: dist is in it and no install-time script runs', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/ioguard/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.equal(manifest.scripts?.[hook], undefined, `no ${hook} script`);
    assert.ok(shipped.includes('dist/index.js') && shipped.includes('dist/cli-bundle/ioguard.cjs'), 'dist is shipped built');
    const prefix = join(scratch, 'global');
    npm(['install', '--global', '--prefix', prefix, tarball], scratch);
    const r = spawnSync(join(prefix, 'bin/ioguard'), ['run', '--no-gate', '--', 'echo', 'global'], { encoding: 'utf8', env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'global\n');
  });
});
