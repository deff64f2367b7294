// Every change the benchmark makes to the machine registers its undo here. Undos run newest
// first, on normal exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. Each undo also
// leaves a shell line in <scratch>/restore.sh, so a run killed with SIGKILL can be repaired by hand.
import { writeFileSync } from 'node:fs';

export function createCleanup() {
  /** @type {{label: string, fn: () => unknown, shell: string | undefined}[]} */
  const undos = [];
  /** @type {string | undefined} */
  let scriptPath;
  /** @type {Promise<void> | undefined} */
  let running;

  function writeScript() {
    if (!scriptPath) return;
    const lines = undos
      .slice()
      .reverse()
      .flatMap((u) => (u.shell ? [`# ${u.label}`, `${u.shell} || true`] : []));
    try {
      writeFileSync(scriptPath, ['#!/bin/sh', '# Undo what a killed bench:incident run left behind.', ...lines, ''].join('\n'), { mode: 0o755 });
    } catch (error) {
      // The scratch folder (and the script with it) is the last thing removed.
      if (error?.code !== 'ENOENT') throw error;
    }
  }

  async function runOne(entry) {
    try {
      await entry.fn();
    } catch (error) {
      process.stderr.write(`cleanup: ${entry.label}: ${error instanceof Error ? error.message : error}\n`);
    }
  }

  return {
    /** Keeps restore.sh up to date from now on. */
    setRestoreScript(path) {
      scriptPath = path;
      writeScript();
    },
    /**
     * Registers an undo; returns a function that runs it now and forgets it.
     * @param {string} label
     * @param {() => unknown} fn
     * @param {string} [shell] equivalent shell command for restore.sh
     */
    add(label, fn, shell) {
      const entry = { label, fn, shell };
      undos.push(entry);
      writeScript();
      return async () => {
        const index = undos.indexOf(entry);
        if (index === -1) return;
        undos.splice(index, 1);
        await runOne(entry);
        writeScript();
      };
    },
    /** Runs every pending undo, newest first; safe to call more than once. */
    runAll() {
      running ??= (async () => {
        while (undos.length > 0) {
          const entry = undos.pop();
          if (entry) await runOne(entry);
          writeScript();
        }
      })();
      return running;
    },
  };
}

/**
 * Turns SIGINT/SIGTERM/SIGHUP into an abort of the main flow (which then tears down in its
 * `finally`) and makes an uncaught error run the cleanup before exiting.
 */
export function installSignalHandlers(controller, cleanup) {
  let signalled = 0;
  const onSignal = (signal) => {
    signalled += 1;
    if (signalled === 1) {
      process.stderr.write(`\nbench:incident: ${signal}, restoring settings (wait for it)...\n`);
      process.exitCode = signal === 'SIGINT' ? 130 : 143;
      controller.abort(new Error(`interrupted by ${signal}`));
    } else {
      process.stderr.write('bench:incident: still restoring settings, please wait\n');
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  const onFatal = (error) => {
    process.stderr.write(`bench:incident: ${error instanceof Error ? error.stack : error}\n`);
    cleanup.runAll().finally(() => process.exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
