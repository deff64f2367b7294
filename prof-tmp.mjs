let t = performance.now();
const lap = (l) => { const n = performance.now(); console.log(l, (n - t).toFixed(1)); t = n; };
const m = await import('./dist/cli-bundle/esm-JYAHANTU.js'); const pg = m.default; lap('import pg');
const c = new pg.Client({ connectionString: process.argv[2] }); await c.connect(); lap('connect');
await c.query("SELECT pg_try_advisory_lock(1)"); lap('q1');
await c.end(); lap('end');
