// Shared by the docs tests: the markdown files they check, headings as GitHub slugs them, and links.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;

/** README.md, docs/*.md and the benchmark summaries: every page a reader follows links through. */
export function markdownFiles(): string[] {
  const inDir = (dir: string): string[] => readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.md')).sort().map((f) => join(dir, f));
  return ['README.md', ...inDir('docs'), ...inDir('bench/results')];
}

export const read = (relative: string): string => readFileSync(join(ROOT, relative), 'utf8');

/** The text with fenced code blocks blanked (lines kept, so a reported line number stays right). */
export function withoutFences(text: string): string {
  let inFence = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        inFence = !inFence;
        return '';
      }
      return inFence ? '' : line;
    })
    .join('\n');
}

/** GitHub's heading anchor (github-slugger): lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link in a heading anchors on its text
    .replace(/<[^>]+>/g, '');
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor a page offers: headings (duplicates get -1, -2 as on GitHub) and explicit ids. */
export function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of withoutFences(text).split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) {
      const base = slug(m[1] as string);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      out.add(n === 0 ? base : `${base}-${n}`);
    }
    for (const id of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) out.add(id[1] as string);
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images outside code: `[text](target)`, `![alt](target "title")`. */
export function links(text: string): Link[] {
  const out: Link[] = [];
  withoutFences(text)
    .split('\n')
    .forEach((raw, i) => {
      const line = raw.replace(/`[^`]*`/g, '``');
      const link = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
      for (const m of line.matchAll(link)) out.push({ line: i + 1, target: m[1] as string });
    });
  return out;
}
