/** /proc/PID/io counters (readable by the same user or root only). */
export interface PidIo {
  rchar: number;
  wchar: number;
  readBytes: number;
  writeBytes: number;
  /** read and write system calls (syscr + syscw): a process's progress in calls, whatever their size. */
  calls: number;
}

export function parsePidIo(text: string): PidIo | undefined {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+):\s*(\d+)/.exec(line);
    if (m) values.set(m[1] as string, Number(m[2]));
  }
  const rchar = values.get('rchar');
  const wchar = values.get('wchar');
  if (rchar === undefined || wchar === undefined) return undefined;
  return { rchar, wchar, readBytes: values.get('read_bytes') ?? 0, writeBytes: values.get('write_bytes') ?? 0, calls: (values.get('syscr') ?? 0) + (values.get('syscw') ?? 0) };
}
