/** Dirty page counters from /proc/vmstat, in pages. The thresholds are computed fresh on each read. */
export interface DirtyPages {
  dirty: number;
  writeback: number;
  threshold: number;
  backgroundThreshold: number;
}

/**
 * Parse the dirty-page lines of /proc/vmstat. Undefined when any is absent (kernels before 2.6.37
 * lack the thresholds); never recompute them from meminfo, whose base is not "dirtyable memory".
 */
export function parseVmstatDirty(text: string): DirtyPages | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.startsWith('nr_')) values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  const dirty = values.get('nr_dirty');
  const writeback = values.get('nr_writeback');
  const threshold = values.get('nr_dirty_threshold');
  const backgroundThreshold = values.get('nr_dirty_background_threshold');
  if (dirty === undefined || writeback === undefined || threshold === undefined || backgroundThreshold === undefined) return undefined;
  return { dirty, writeback, threshold, backgroundThreshold };
}

/** Writers enter balance_dirty_pages once dirty + writeback passes the midpoint of the two thresholds. */
export function throttlePointPages(pages: DirtyPages): number {
  return (pages.threshold + pages.backgroundThreshold) / 2;
}

/** dirty + writeback as a percentage of the throttle point (100 = writers are being throttled). */
export function dirtyPercentOfThrottle(pages: DirtyPages): number {
  const point = throttlePointPages(pages);
  return point > 0 ? ((pages.dirty + pages.writeback) / point) * 100 : 0;
}

/**
 * `nr_written` of /proc/vmstat: pages the machine has written back from the page cache since boot.
 * Direct I/O never enters it, so its rate is the buffered writeback a dirty bound holds back.
 */
export function parseVmstatWritten(text: string): number | undefined {
  const m = /^nr_written (\d+)$/m.exec(text);
  return m ? Number(m[1]) : undefined;
}
