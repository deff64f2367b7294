import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseFlags } from '../../src/cli/flag-table.ts';
import { gateFromFlags } from '../../src/cli/gate-flags.ts';
import { RUN_FLAGS } from '../../src/cli/run-flags.ts';
import { BIN, runIoguard, sandbox } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
const ioguard = (...args: string[]) => runIoguard(args, { env: b.env });
const lines = (text: string): string[] => text.split('\n').filter(Boolean);

describe('the job\'s argv after -- arrives verbatim', () => {
  it('numbers, dashes, empty and spaced words, its own -- and --help/--version reach the job untouched', async () => {
    const words = ['0x10', '1e3', '007', '-5', '--flag', '--', '', ' sp ', '--help', '--version'];
    const r = await ioguard('run', '--no-gate', '--', 'printf', '%s|', ...words);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${words.join('|')}|`);
  });
});

describe('flags', () => {
  it('--no-gate is the negation of the gate flag: off with it, on without it', () => {
    assert.equal(gateFromFlags(parseFlags(['--no-gate'], RUN_FLAGS).flags).enabled, false);
    assert.equal(gateFromFlags(parseFlags([], RUN_FLAGS).flags).enabled, true);
  });

  it('a run with --no-gate logs no gate decision, one without it does', async () => {
    const off = sandbox();
    const on = sandbox();
    after(() => { off.cleanup(); on.cleanup(); });
    assert.equal((await runIoguard(['run', '--no-gate', '--name', 'g', '--', 'true'], { env: off.env })).code, 0);
    // --on-pressure run: look, log, and start whatever the machine's load (other work shares it).
    assert.equal((await runIoguard(['run', '--on-pressure', 'run', '--window', '50ms', '--name', 'g', '--', 'true'], { env: on.env })).code, 0);
    const gateEvents = (box: typeof off) => box.events().filter((e) => String(e.event).startsWith('gate-'));
    assert.equal(gateEvents(off).length, 0);
    assert.equal(gateEvents(on).length, 1);
  });

  it('a mistyped flag exits 2 with a suggestion', async () => {
    const r = await ioguard('run', '--tiemout', '5s', '--', 'true');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'ioguard: unknown flag --tiemout; did you mean --timeout? (see ioguard run --help)\n');
  });

  it('a mistyped command exits 2 with a suggestion', async () => {
    const r = await ioguard('stauts');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ioguard: unknown command stauts; did you mean status\?/);
  });

  it('a boolean given a value other than true or false exits 2 naming it', async () => {
    const r = await ioguard('run', '--verbose=maybe', '--', 'true');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--verbose: "maybe" is not true or false/);
  });
});

describe('help', () => {
  it('-h, --help and `help run` show the command\'s flags with defaults and exit 0', async () => {
    for (const args of [['run', '-h'], ['run', '--help'], ['help', 'run']]) {
      const r = await ioguard(...args);
      assert.equal(r.code, 0, args.join(' '));
      assert.match(r.stdout, /Usage: ioguard run \[options\] -- <command>/);
      assert.match(r.stdout, /--kill-after .*\[default: "30s"\]/s);
      assert.match(r.stdout, /--no-gate/);
    }
  });

  it('status --help describes --stuck-after for status, without run\'s exit 76', async () => {
    const r = await ioguard('status', '--help');
    assert.equal(r.code, 0);
    const stuck = r.stdout.slice(r.stdout.indexOf('--stuck-after'), r.stdout.indexOf('[default: "5m"]'));
    assert.match(stuck, /stuck\s+in\s+this\s+view/);
    assert.doesNotMatch(stuck, /76/);
  });

  it('--help after -- belongs to the job', async () => {
    const r = await ioguard('run', '--no-gate', '--', 'printf', '%s', '--help');
    assert.equal(r.stdout, '--help');
  });
});

describe('shell completion', () => {
  const complete = async (...words: string[]) => lines((await ioguard('--get-yargs-completions', 'ioguard', ...words)).stdout);

  it('ioguard run --ti<TAB> completes to --timeout', async () => {
    assert.deepEqual(await complete('run', '--ti'), ['--timeout']);
  });

  it('--no-g<TAB> offers --no-gate', async () => {
    assert.deepEqual(await complete('run', '--no-g'), ['--no-gate']);
  });

  it('a command name completes', async () => {
    assert.deepEqual(await complete('st'), ['status']);
  });

  it('after -- the first word completes to programs on PATH, not to ioguard\'s flags', async () => {
    const bin = join(b.dir, 'path-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'ioguard-test-prog'), '#!/bin/sh\n', { mode: 0o755 });
    const r = await runIoguard(['--get-yargs-completions', 'ioguard', 'run', '--name', 'x', '--', 'ioguard-test-p'], { env: { ...b.env, PATH: bin } });
    assert.deepEqual(lines(r.stdout), ['ioguard-test-prog']);
  });

  it('later words after -- get no answer, so the shell completes file names', async () => {
    assert.deepEqual(await complete('run', '--', 'rsync', '--ti'), []);
  });

  it('the bash script, sourced in a real bash, completes ioguard run --ti to --timeout', () => {
    const bin = join(b.dir, 'bash-bin');
    mkdirSync(bin, { recursive: true });
    const wrapper = join(bin, 'ioguard');
    writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
    chmodSync(wrapper, 0o755);
    const script = 'source <(ioguard completion bash); COMP_WORDS=(ioguard run --ti); COMP_CWORD=2; _ioguard_yargs_completions; printf "%s\\n" "${COMPREPLY[@]}"';
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { env: { ...b.env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(lines(r.stdout), ['--timeout']);
  });

  it('ioguard completion zsh prints a zsh script; an unknown shell exits 2', async () => {
    const zsh = await ioguard('completion', 'zsh');
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef ioguard\n/);
    const fish = await ioguard('completion', 'fish');
    assert.equal(fish.code, 2);
    assert.match(fish.stderr, /ioguard completion takes one of bash, zsh/);
  });
});

describe('bytes that are not UTF-8', () => {
  // sh builds the bytes: Node itself cannot put \xe9 alone into an argument or a variable.
  const viaShell = (script: string) =>
    spawnSync('sh', ['-c', script, 'sh', process.execPath, BIN], { env: b.env, encoding: 'latin1' });

  it('a Latin-1 argument is refused with exit 2 and one line, and the job does not run', () => {
    const r = viaShell('exec "$1" "$2" run --no-gate -- printf ran "$(printf \'caf\\351\')"');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(lines(r.stderr).length, 1);
    assert.match(r.stderr, /^ioguard: an argument is not valid UTF-8 \(caf\\xe9\)/);
  });

  it('a Latin-1 environment variable is refused with exit 2 naming it', () => {
    const r = viaShell('IOGUARD_TEST_LATIN1="$(printf \'caf\\351\')" exec "$1" "$2" run --no-gate -- printf ran');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ioguard: environment variable IOGUARD_TEST_LATIN1 is not valid UTF-8/);
  });

  it('status is not refused: it hands nothing to a job', () => {
    const r = viaShell('IOGUARD_TEST_LATIN1="$(printf \'caf\\351\')" exec "$1" "$2" status');
    assert.equal(r.status, 0, r.stderr);
  });

  it('valid UTF-8 beyond ASCII runs', () => {
    const r = viaShell('exec "$1" "$2" run --no-gate -- printf %s "café"');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Buffer.from(r.stdout, 'latin1').toString('utf8'), 'café');
  });
});
