// A Node process that guards one key on a schedule: every `tickMs` it tries a body that takes
// `bodyMs`, appending "start <t>" / "end <t>" lines to a file. Used to check two processes never overlap.
import { appendFileSync } from 'node:fs';
import { guard } from '../../src/index.ts';

const [lockDir, name, out, tickMs, bodyMs, ticks] = process.argv.slice(2) as [string, string, string, string, string, string];
const pending: Array<Promise<unknown>> = [];
for (let i = 0; i < Number(ticks); i++) {
  pending.push(
    guard(name, async () => {
      appendFileSync(out, `start ${Date.now()} ${process.pid}\n`);
      await new Promise((r) => setTimeout(r, Number(bodyMs)));
      appendFileSync(out, `end ${Date.now()} ${process.pid}\n`);
    }, { lockDir, logFile: false, gate: { enabled: false } }),
  );
  await new Promise((r) => setTimeout(r, Number(tickMs)));
}
const results = await Promise.all(pending);
console.log(JSON.stringify(results.map((r) => (r as { outcome: string }).outcome)));
