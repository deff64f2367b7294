// Appends COUNT entries to a job's history through the module, compacting often: one of several
// concurrent appenders in the compaction test. Usage: appender.ts LOCKDIR NAME COUNT TAG
import { appendEntry } from '../../../src/history/append.ts';
import { historyPaths } from '../../../src/history/paths.ts';
import { SMALL_RETENTION } from './retention.ts';
import { entry } from './entries.ts';

const [dir, name, count, tag] = process.argv.slice(2) as [string, string, string, string];
const paths = historyPaths(dir, name);
for (let i = 0; i < Number(count); i++) appendEntry(paths, entry({ id: `${tag}-${i}`, reason: `${tag} ${i}` }), SMALL_RETENTION);
