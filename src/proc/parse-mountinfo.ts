/** One line of /proc/PID/mountinfo, with the octal escapes undone. */
export interface MountEntry {
  mountId: number;
  parentId: number;
  major: number;
  minor: number;
  /** The directory of the filesystem that is mounted (for bind mounts and btrfs subvolumes). */
  root: string;
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
  superOptions: string;
}

/** The kernel escapes space, tab, newline and backslash as `\040 \011 \012 \134` (octal). */
export function unescapeMountField(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/**
 * Parse mountinfo: `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`.
 * Optional fields end at the lone `-`, so the filesystem type is found after it, not by position.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const mounts: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const t = line.split(' ');
    const dash = t.indexOf('-', 6);
    if (t.length < 10 || dash < 0) continue;
    const [major, minor] = (t[2] as string).split(':').map(Number);
    mounts.push({
      mountId: Number(t[0]),
      parentId: Number(t[1]),
      major: major ?? 0,
      minor: minor ?? 0,
      root: unescapeMountField(t[3] as string),
      mountPoint: unescapeMountField(t[4] as string),
      options: t[5] as string,
      fsType: unescapeMountField(t[dash + 1] ?? ''),
      source: unescapeMountField(t[dash + 2] ?? ''),
      superOptions: t[dash + 3] ?? '',
    });
  }
  return mounts;
}

/**
 * One option of a mountinfo options field (`upperdir` of overlay's super options), with the
 * kernel's escapes undone: seq_show_option escapes `,` `=` and blanks in a value as octal.
 */
export function mountOption(options: string, name: string): string | undefined {
  for (const option of options.split(',')) {
    if (option.startsWith(`${name}=`)) return unescapeMountField(option.slice(name.length + 1));
  }
  return undefined;
}
