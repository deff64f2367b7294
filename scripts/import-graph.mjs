#!/usr/bin/env node
// Import graph of src/: file-level cycles, folder-level cycles and upward imports from a feature
// folder into run/ or cli/. Regex over static `from '...'` and dynamic `import('...')` so it needs
// no compiler; type-only imports count too (they still couple the folders).
// Usage: node scripts/import-graph.mjs [srcDir] [--json]; exits 1 when anything is found.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Folders that sit at the top: they may import anything, nothing below may import them.
const TOP = new Set(['run', 'guard', 'cli']);
const UPWARD_TARGETS = new Set(['run', 'cli']);

function listTs(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listTs(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

/** Edges file -> file, paths relative to srcDir (e.g. 'lock/acquire.ts'). */
export function buildGraph(srcDir) {
  const root = resolve(srcDir);
  const graph = new Map();
  for (const file of listTs(root)) {
    const from = relative(root, file);
    const targets = new Set();
    for (const match of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = match[1].replace(/\.js$/, '.ts');
      const target = relative(root, resolve(dirname(file), spec));
      if (!target.startsWith('..')) targets.add(target);
    }
    graph.set(from, [...targets].sort());
  }
  return graph;
}

/** Folder of a file relative to src: 'lock/acquire.ts' -> 'lock', 'index.ts' -> '.'. */
export function folderOf(file) {
  const slash = file.indexOf('/');
  return slash === -1 ? '.' : file.slice(0, slash);
}

/** Strongly connected components with more than one node (or a self-loop), Tarjan's algorithm. */
export function cycles(graph) {
  let index = 0;
  const stack = [];
  const onStack = new Set();
  const indexOf = new Map();
  const low = new Map();
  const found = [];
  const visit = (node) => {
    indexOf.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), indexOf.get(next)));
    }
    if (low.get(node) === indexOf.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indexOf.has(node)) visit(node);
  return found;
}

export function folderGraph(graph) {
  const folders = new Map();
  for (const [from, targets] of graph) {
    const source = folderOf(from);
    if (source === '.') continue; // index.ts is the public list: it imports every folder by design
    const set = folders.get(source) ?? new Set();
    for (const target of targets) {
      const folder = folderOf(target);
      if (folder !== source && folder !== '.') set.add(folder);
    }
    folders.set(source, set);
  }
  return new Map([...folders].map(([k, v]) => [k, [...v].sort()]));
}

/** Imports from a feature folder (not run/, guard/, cli/, index.ts) into run/ or cli/. */
export function upwardImports(graph) {
  const found = [];
  for (const [from, targets] of graph) {
    const source = folderOf(from);
    if (source === '.' || TOP.has(source)) continue;
    for (const target of targets) if (UPWARD_TARGETS.has(folderOf(target))) found.push(`${from} -> ${target}`);
  }
  return found.sort();
}

export function report(srcDir) {
  const graph = buildGraph(srcDir);
  return { fileCycles: cycles(graph), folderCycles: cycles(folderGraph(graph)), upward: upwardImports(graph) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const srcDir = args.find((a) => !a.startsWith('--')) ?? 'src';
  const result = report(srcDir);
  if (args.includes('--json')) console.log(JSON.stringify(result, null, 2));
  else {
    for (const c of result.fileCycles) console.log(`file cycle: ${c.join(' <-> ')}`);
    for (const c of result.folderCycles) console.log(`folder cycle: ${c.join(' <-> ')}`);
    for (const u of result.upward) console.log(`upward import: ${u}`);
    const total = result.fileCycles.length + result.folderCycles.length + result.upward.length;
    console.log(total === 0 ? 'import graph: no cycle, no upward import' : `import graph: ${total} finding(s)`);
  }
  process.exit(result.fileCycles.length + result.folderCycles.length + result.upward.length === 0 ? 0 : 1);
}
