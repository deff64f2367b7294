// The four ways a scheduler tick can launch the copy. Each tick copies the tree into its own
// folder (an archive snapshot per tick), so every copy is the same amount of work and
// "copies completed" compares across arms; with one shared destination a later rsync would
// skip what an earlier one already wrote.
import { fileURLToPath } from 'node:url';

export const IOGUARD_BIN = process.env.IOGUARD_BIN ?? fileURLToPath(new URL('../../bin/ioguard.js', import.meta.url));

/**
 * @typedef {{source: string, destination: string, lockFile: string, lockDir: string, logFile: string, mountPoint: string}} TickPaths
 * @typedef {{key: string, title: string, usesIoguard: boolean, needsFlags?: string[], scheduler?: string, argv: (p: TickPaths) => string[]}} Arm
 */

const copy = (p) => ['rsync', '-a', `${p.source}/`, `${p.destination}/`];

/** @type {Arm[]} */
export const ARMS = [
  {
    key: 'bare',
    title: 'bare (cron alone)',
    usesIoguard: false,
    argv: (p) => copy(p),
  },
  {
    key: 'flock',
    title: 'flock -n',
    usesIoguard: false,
    // -E 75: a busy lock exits 75 like ioguard's skip, so both read the same in the tick log.
    argv: (p) => ['flock', '-n', '-E', '75', p.lockFile, ...copy(p)],
  },
  {
    key: 'ioguard',
    title: 'ioguard run (defaults)',
    usesIoguard: true,
    needsFlags: ['--on-busy'],
    argv: (p) => [process.execPath, IOGUARD_BIN, 'run', '--name', 'incident-copy', '--lock-dir', p.lockDir, '--log-file', p.logFile, '--', ...copy(p)],
  },
  {
    key: 'ioguard-defer',
    title: 'ioguard run --on-pressure defer --ionice idle',
    usesIoguard: true,
    needsFlags: ['--on-pressure', '--ionice', '--path'],
    // bfq honours I/O priority classes; the device's own scheduler is restored after the arm.
    scheduler: 'bfq',
    argv: (p) => [
      process.execPath, IOGUARD_BIN, 'run', '--name', 'incident-copy', '--lock-dir', p.lockDir, '--log-file', p.logFile,
      '--on-pressure', 'defer', '--ionice', 'idle', '--path', p.mountPoint,
      ...extraDeferArgs(),
      '--', ...copy(p),
    ],
  },
];

/** INCIDENT_DEFER_ARGS="--max-io-pressure 20 --defer-max 30s" tunes the gate without editing code. */
function extraDeferArgs() {
  const raw = process.env.INCIDENT_DEFER_ARGS?.trim();
  return raw ? raw.split(/\s+/) : [];
}
