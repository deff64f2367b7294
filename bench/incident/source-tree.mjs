// The tree the scheduled job archives: many small files (a few KB each) in folders of 200,
// like the jobs folder of CASES.md §1 at a smaller scale. Seeded, so every run copies the same bytes.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './exec.mjs';

const FILES_PER_DIR = 200;

export async function createSourceTree(root, { files, minBytes = 1024, maxBytes = 7168, seed = 5 }) {
  const random = mulberry32(seed);
  const jobs = [];
  let totalBytes = 0;
  for (let i = 0; i < files; i += 1) {
    const dir = join(root, `job-${String(Math.floor(i / FILES_PER_DIR)).padStart(4, '0')}`);
    const size = minBytes + Math.floor(random() * (maxBytes - minBytes));
    totalBytes += size;
    jobs.push({ dir, file: join(dir, `out-${String(i % FILES_PER_DIR).padStart(3, '0')}.log`), size });
  }
  for (const dir of new Set(jobs.map((j) => j.dir))) await mkdir(dir, { recursive: true });
  const fill = Buffer.alloc(maxBytes);
  for (let i = 0; i < fill.length; i += 1) fill[i] = 32 + Math.floor(random() * 95);
  const width = 64;
  for (let i = 0; i < jobs.length; i += width) {
    await Promise.all(jobs.slice(i, i + width).map((j) => writeFile(j.file, fill.subarray(0, j.size))));
  }
  // The source lives on the real disk: write it out now so its writeback is not part of any arm.
  await run('sync', []);
  return { files, totalBytes };
}

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
