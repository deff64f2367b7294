// Bounds the backlog under a path, prints the bound, then waits to be killed: a wrapper SIGKILLed mid-run.
import { boundBacklog } from '../../src/govern/backlog-bound.ts';

const [path, lockDir, bytes] = process.argv.slice(2) as [string, string, string];
const r = await boundBacklog({ paths: [path], bytes: Number(bytes), ledgerDir: lockDir, job: 'killed' });
console.log(JSON.stringify({ devices: r.bounds.map((b) => b.device), problems: r.problems }));
setInterval(() => {}, 1000);
