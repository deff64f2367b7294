import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { IoguardError } from '../../src/errors/ioguard-error.ts';
import { runCommand } from '../../src/run/run-command.ts';
import { sandbox } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
const base = { lockDir: b.lockDir, logFile: false as const, gate: { enabled: false } };

describe('run options read by the steps are validated once, up front', () => {
  const cases: [string, unknown, RegExp][] = [
    ['cwd', 42, /^cwd: 42 \(number\) is not a folder path$/],
    ['cwd', '', /^cwd: "" is not a folder path$/],
    ['env', 'PATH=/bin', /^env: "PATH=\/bin" is not an object of environment variables$/],
    ['gateRetryMs', -5, /^gateRetryMs: -5 \(number\) is not a number of milliseconds >= 0$/],
    ['sampleIntervalMs', '1s', /^sampleIntervalMs: "1s" is not a number of milliseconds >= 0$/],
    ['procRoot', 7, /^procRoot: 7 \(number\) is not a folder path$/],
    ['sysRoot', false, /^sysRoot: false \(boolean\) is not a folder path$/],
    ['now', 12, /^now: 12 \(number\) is not a function returning epoch milliseconds$/],
    ['report', 'stderr', /^report: "stderr" is not a function/],
    ['forwardSignals', 'yes', /^forwardSignals: "yes" is not true or false$/],
    ['signal', {}, /^signal: \[object Object\] \(object\) is not an AbortSignal$/],
  ];
  for (const [option, value, message] of cases) {
    it(`a bad ${option} (${JSON.stringify(value)}) rejects with ERR_INVALID_OPTION naming it, and nothing runs`, async () => {
      const marker = join(b.dir, `ran-${option}`);
      await assert.rejects(
        () => runCommand(['sh', '-c', `touch ${marker}`], { name: `opt-${option}`, ...base, [option]: value }),
        (e: unknown) => e instanceof IoguardError && e.code === 'ERR_INVALID_OPTION' && message.test(e.message),
      );
      assert.equal(existsSync(marker), false);
    });
  }
});

describe('govern.boundBacklog', () => {
  for (const value of [12, 1.5, '1M', -4096, true]) {
    it(`${JSON.stringify(value)} rejects with ERR_INVALID_OPTION naming govern.boundBacklog, and nothing runs`, async () => {
      const marker = join(b.dir, `ran-bound-${String(value)}`);
      await assert.rejects(
        () => runCommand(['sh', '-c', `touch ${marker}`], { name: 'opt-bound', ...base, govern: { boundBacklog: value as number } }),
        (e: unknown) => e instanceof IoguardError && e.code === 'ERR_INVALID_OPTION' && /^govern\.boundBacklog: .* is not (an integer from 4096 to|'auto', 'off' or a number)/.test(e.message),
      );
      assert.equal(existsSync(marker), false);
    });
  }
});
