'use strict';
// Loads a file of the CLI bundle with the V8 code cache that `npm run build` wrote beside it
// (scripts/bundle/write-code-cache.cjs): without it, every start compiles the ~700 KB a run loads
// (docs/decisions.md). Nothing here writes a cache. A cache is used only when its mtime equals its
// file's (the build sets both; npm's tarball keeps them equal), so an edited file is never paired
// with code compiled from its old text; without one the file is require()d as usual. V8 itself
// refuses a cache from another V8 version or other flags, and then compiles the file.
const { readFileSync, statSync } = require('node:fs');
const Module = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const compiled = new Map();
let writingCache = false;

function loadBundle(name) {
  const filename = join(__dirname, name);
  const cachedData = writingCache ? undefined : cacheFor(filename);
  return cachedData || writingCache ? run(filename, cachedData) : require(filename);
}

function cacheFor(filename) {
  try {
    const cache = `${filename}.v8-cache`;
    if (statSync(cache).mtimeMs !== statSync(filename).mtimeMs) return undefined;
    return readFileSync(cache);
  } catch {
    return undefined;
  }
}

/** What require() does, with V8's cachedData: compile the wrapped source, run it once. */
function run(filename, cachedData) {
  const known = compiled.get(filename);
  if (known) return known.module.exports;
  const script = new Script(Module.wrap(readFileSync(filename, 'utf8')), { filename, ...(cachedData ? { cachedData } : {}) });
  const module = new Module(filename, undefined);
  module.filename = filename;
  compiled.set(filename, { module, script });
  // Listed where require() lists what it loaded, and a later require() of it gets this instance.
  require.cache[filename] = module;
  try {
    script.runInThisContext().call(module.exports, module.exports, Module.createRequire(filename), module, filename, dirname(filename));
  } catch (error) {
    // As require() does: a file that threw is not cached half-initialised; the next load tries again.
    compiled.delete(filename);
    delete require.cache[filename];
    throw error;
  }
  module.loaded = true;
  return module.exports;
}

/**
 * For the build (scripts/bundle/write-code-cache.cjs): from now on load every file without a cache,
 * and return a function that gives each loaded file's code as compiled so far.
 */
function startWritingCache() {
  writingCache = true;
  return () => [...compiled].map(([filename, { script }]) => ({ filename, data: script.createCachedData() }));
}

module.exports = { loadBundle, startWritingCache };
