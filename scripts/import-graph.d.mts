/** Types of scripts/import-graph.mjs, for test/package/import-graph.test.ts. */
export type Graph = Map<string, string[]>;
export function buildGraph(srcDir: string): Graph;
export function folderOf(file: string): string;
export function cycles(graph: Graph): string[][];
export function folderGraph(graph: Graph): Graph;
export function upwardImports(graph: Graph): string[];
export function report(srcDir: string): { fileCycles: string[][]; folderCycles: string[][]; upward: string[] };
