// A node-cron job every second whose body takes three seconds, wrapped in ioguard's guard():
// ticks that find the previous body still running are skipped, never stacked, and while a body
// runs `ioguard status` shows the job with this process as its wrapper.
//
//   IOGUARD_LOCK_DIR=/tmp/ioguard-demo npx tsx examples/node-cron.ts 10   # stops after 10 s
//   IOGUARD_LOCK_DIR=/tmp/ioguard-demo ioguard status                    # in another terminal
//
// node-cron's own `noOverlap: true` also prevents overlap, but only inside this process. guard()
// takes the host-wide job lock, the one `ioguard run --name report` takes: a second copy of this
// service, or a crontab entry with the same --name, is excluded too.
import cron from 'node-cron';
import { guard } from 'ioguard';

const seconds = Number(process.argv[2] ?? process.env.EXAMPLE_SECONDS ?? 10);
const say = (line: string): void => void process.stdout.write(`${line}\n`);
const pending = new Set<Promise<unknown>>();

say(`pid ${process.pid}`);
const task = cron.schedule('* * * * * *', () => {
  const tick = guard(
    'report',
    async (signal) => {
      say(`start ${Date.now()}`);
      // The body: three seconds of work that stops early if the run is aborted (timeout, SIGTERM).
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 3000);
        signal.addEventListener('abort', () => (clearTimeout(timer), resolve(undefined)), { once: true });
      });
      say(`end ${Date.now()}`);
    },
    // This body does no I/O, so under pressure it runs anyway (the decision log records the figures).
    // A body that reads or writes a lot would keep the default, 'defer', or 'skip' the tick.
    // The timeout aborts `signal`; the lock stays held until the body settles.
    { timeoutMs: 10_000, gate: { onPressure: 'run' } },
  ).then((result) => {
    if (result.outcome !== 'completed') say(`${result.outcome} ${Date.now()} ${result.reason ?? ''}`);
  });
  pending.add(tick);
  void tick.finally(() => pending.delete(tick));
  // Returning at once: node-cron does not wait for the body, guard() is what keeps ticks apart.
});

setTimeout(async () => {
  await task.destroy();
  await Promise.all(pending);
  say('stopped');
}, seconds * 1000);
