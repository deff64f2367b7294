import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, finished, sandbox, until, type Sandbox, type Started } from '../../helpers/cli.ts';

/**
 * A simulated host on this machine: its own UTS namespace (host name), PID namespace (pids,
 * /proc) and mount namespace, where a file with another boot id is bind-mounted over
 * /proc/sys/kernel/random/boot_id. It lives as long as its init (a sleep); each ioguard tick
 * enters it with nsenter, so a wrapper can die while its job lives on inside the "host".
 */
export class FakeHost {
  readonly name: string;
  readonly bootId = randomUUID();
  readonly box: Sandbox;
  private init: ChildProcess | undefined;
  initPid = 0;

  private constructor(name: string) {
    this.name = name;
    this.box = sandbox();
  }

  static async create(name: string): Promise<FakeHost> {
    const h = new FakeHost(name);
    const bootFile = join(h.box.dir, 'boot_id');
    writeFileSync(bootFile, `${h.bootId}\n`);
    const script = `hostname ${name} && mount --bind ${bootFile} /proc/sys/kernel/random/boot_id && echo ready && exec sleep infinity`;
    const init = spawn('unshare', ['--uts', '--pid', '--mount', '--fork', '--mount-proc', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    h.init = init;
    await new Promise<void>((resolve, reject) => {
      init.once('exit', (code) => reject(new Error(`host ${name} did not start (exit ${code})`)));
      init.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    });
    // unshare --fork: the namespace's pid 1 is unshare's child.
    h.initPid = await until(() => Number(readFileSync(`/proc/${init.pid}/task/${init.pid}/children`, 'utf8').trim().split(' ')[0]) || undefined, 5000, 'namespace init');
    return h;
  }

  /** `ioguard ARGS` inside this host, with its own lock folder and decision log. */
  ioguard(args: string[], env: NodeJS.ProcessEnv = {}): Started {
    const nsArgs = ['-t', String(this.initPid), '-u', '-p', '-m', process.execPath, BIN, ...args];
    const child = spawn('nsenter', nsArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...this.box.env, ...env } }) as Started;
    const exited = finished(child, { onExit: true });
    const done = finished(child);
    child.exited = exited;
    child.done = done;
    return child;
  }

  /** The wrapper's pid as seen from outside (nsenter's child), once it runs. */
  async wrapperPid(tick: Started): Promise<number> {
    return until(() => {
      try {
        return Number(readFileSync(`/proc/${tick.pid}/task/${tick.pid}/children`, 'utf8').trim().split(' ')[0]) || undefined;
      } catch {
        return undefined;
      }
    }, 5000, 'wrapper pid');
  }

  events(): Array<Record<string, unknown>> {
    return this.box.events();
  }

  destroy(): void {
    // Killing the namespace's pid 1 ends every process in it (jobs included).
    try {
      process.kill(this.initPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    this.init?.kill('SIGKILL');
    this.box.cleanup();
  }
}
