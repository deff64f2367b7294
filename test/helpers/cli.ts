import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { scanProcesses } from '../../src/proc/processes.ts';

export const BIN = new URL('../../bin/ioguard.js', import.meta.url).pathname;

export interface Sandbox {
  dir: string;
  lockDir: string;
  logFile: string;
  env: NodeJS.ProcessEnv;
  /** Decision log lines parsed as JSON. */
  events: () => Array<Record<string, unknown>>;
  cleanup: () => void;
}

/** A private lock folder and log file per test, so tests never see each other's jobs. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-test-'));
  const lockDir = join(dir, 'locks');
  const logFile = join(dir, 'decisions.log');
  return {
    dir,
    lockDir,
    logFile,
    env: { ...process.env, IOGUARD_LOCK_DIR: lockDir, IOGUARD_LOG_FILE: logFile },
    events: () => {
      try {
        return readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      } catch {
        return [];
      }
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A factory of sandboxes for one test file; all of them are removed when its tests end. */
export function sandboxes(): () => Sandbox {
  const all: Sandbox[] = [];
  after(() => all.forEach((b) => b.cleanup()));
  return () => {
    const b = sandbox();
    all.push(b);
    return b;
  };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export type Started = ChildProcess & { done: Promise<CliResult>; exited: Promise<CliResult> };

/** Start `ioguard ARGS` as a real process; its output is collected from the start. */
export function startIoguard(args: string[], options: SpawnOptions = {}): Started {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options }) as Started;
  child.exited = collect(child, true);
  child.done = collect(child, false);
  return child;
}

/** Run `ioguard ARGS` to the end and collect its output. */
export function runIoguard(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  return startIoguard(args, options).done;
}

/**
 * Wait for the end of a started ioguard. `onExit` resolves at its exit instead of when its pipes
 * close: a process that survived SIGKILL still holds them.
 */
export function finished(child: ChildProcess, { onExit = false } = {}): Promise<CliResult> {
  const started = child as Partial<Started>;
  if (started.done && started.exited) return onExit ? started.exited : started.done;
  return collect(child, onExit);
}

function collect(child: ChildProcess, onExit: boolean): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once(onExit ? 'exit' : 'close', (code, signal) => {
      if (!onExit) return resolve({ code, signal, stdout, stderr });
      setTimeout(() => resolve({ code, signal, stdout, stderr }), 100);
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until `check` returns a value (not undefined, null or false) or time runs out. */
export async function until<T>(check: () => T | undefined | null | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The run record of a job, when one exists and parses. */
export function readJobRecord(box: Sandbox, name: string): Record<string, any> | undefined {
  try {
    return JSON.parse(readFileSync(join(box.lockDir, `${name}.json`), 'utf8')) as Record<string, any>;
  } catch {
    return undefined;
  }
}

/** True when any non-zombie process is in the group. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // Zombies still answer kill(0); look at /proc for live members.
  return scanProcesses().some((s) => s.pgrp === pgid && s.state !== 'Z');
}
