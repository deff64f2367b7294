// Hand-written SVG: one timeline per arm with copies alive (left axis), PSI io some/full over a
// trailing 1 s window (right axis, %), and the ticks marked under the axis by what they became.
// No dependency: a charting library would be the largest part of the benchmark.
// Standalone use: node bench/incident/chart.mjs bench/results/incident.json.gz [out.svg] (.json works too)
import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const W = 960;
const PANEL_H = 130;
const TITLE_H = 26;
const TICK_H = 16;
const GAP = 18;
const LEFT = 48;
const RIGHT = 48;
const TOP = 58;
const COLORS = {
  copies: '#1d3557',
  copiesInD: '#c1121f',
  psiSome: '#f4a261',
  psiFull: '#e76f51',
  ran: '#1d3557',
  skipped: '#8d99ae',
  deferred: '#9b5de5',
  grid: '#e5e5e5',
  text: '#222',
};

/** @param {{machine?: any, arms: any[]}} results */
export function renderChart(results) {
  const arms = results.arms.filter((a) => a.timeline);
  const maxT = Math.max(1, ...arms.map((a) => a.durationS));
  const maxCopies = niceCeil(Math.max(1, ...arms.flatMap((a) => a.timeline.map((p) => p.copies))));
  const plotW = W - LEFT - RIGHT;
  const x = (t) => LEFT + (Math.min(t, maxT) / maxT) * plotW;
  const height = TOP + arms.length * (TITLE_H + PANEL_H + TICK_H + GAP) + 24;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="11" fill="${COLORS.text}">`);
  out.push(`<rect width="${W}" height="${height}" fill="#fff"/>`);
  const m = results.machine;
  out.push(text(LEFT, 18, 'The pile-up (CASES.md §1): a tick every ' + (results.config?.tickS ?? '?') + ' s launches an rsync of many small files onto a slow device', { size: 13, weight: 'bold' }));
  if (m) out.push(text(LEFT, 34, `${m.cpus} CPUs · Linux ${m.kernel} · node ${m.node} · ${m.date}`, { fill: '#555' }));
  out.push(legend(LEFT, 48));

  arms.forEach((arm, i) => {
    const top = TOP + i * (TITLE_H + PANEL_H + TICK_H + GAP);
    const y0 = top + TITLE_H + PANEL_H;
    const yCopies = (v) => y0 - (v / maxCopies) * PANEL_H;
    const yPct = (v) => y0 - (Math.min(100, Math.max(0, v)) / 100) * PANEL_H;
    const s = arm.summary;
    const headline = s
      ? `peak ${s.copiesAlivePeak} copies alive (${s.copiesInDAtPeak} in D) · PSI io some ${s.psiIoSomePct}% · probe p99 ${s.probe.p99Ms} ms, max ${s.probe.maxMs} ms · ${s.copiesCompleted} completed`
      : '';
    out.push(text(LEFT, top + 16, arm.title, { weight: 'bold', size: 12 }));
    out.push(text(LEFT + 8 + arm.title.length * 6.6, top + 16, headline, { fill: '#444' }));

    for (const pct of [0, 50, 100]) {
      out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${yPct(pct)}" y2="${yPct(pct)}" stroke="${COLORS.grid}"/>`);
      out.push(text(W - RIGHT + 4, yPct(pct) + 4, `${pct}%`, { fill: COLORS.psiFull }));
    }
    for (const c of [0, maxCopies / 2, maxCopies]) {
      out.push(text(LEFT - 6, yCopies(c) + 4, String(c), { anchor: 'end', fill: COLORS.copies }));
    }
    for (let t = 0; t <= maxT; t += 10) {
      out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${y0}" y2="${y0 + 3}" stroke="#999"/>`);
      out.push(text(x(t), y0 + TICK_H + 10, `${t}s`, { anchor: 'middle', fill: '#777', size: 9 }));
    }

    const pts = arm.timeline;
    if (pts.length > 0) {
      const area = [`M${x(pts[0].t)},${y0}`, ...pts.map((p) => `L${x(p.t).toFixed(1)},${yPct(p.psiSomePct).toFixed(1)}`), `L${x(pts.at(-1).t).toFixed(1)},${y0}Z`];
      out.push(`<path d="${area.join('')}" fill="${COLORS.psiSome}" fill-opacity="0.35" stroke="none"/>`);
      out.push(polyline(pts.map((p) => [x(p.t), yPct(p.psiFullPct)]), COLORS.psiFull, 1));
      out.push(polyline(steps(pts.map((p) => [x(p.t), yCopies(p.copiesInD)])), COLORS.copiesInD, 1.2, '3 2'));
      out.push(polyline(steps(pts.map((p) => [x(p.t), yCopies(p.copies)])), COLORS.copies, 2));
    }
    out.push(`<line x1="${LEFT}" x2="${W - RIGHT}" y1="${y0}" y2="${y0}" stroke="#999"/>`);

    for (const tick of arm.tickOutcomes ?? []) {
      const tx = x(tick.t);
      const ty = y0 + 5;
      out.push(`<path d="M${tx.toFixed(1)},${ty} l-4,8 h8 z" fill="${COLORS[tick.outcome] ?? COLORS.ran}"><title>${tick.outcome} at ${tick.t.toFixed(1)} s</title></path>`);
    }
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function legend(x0, y) {
  const items = [
    ['line', COLORS.copies, 'copies alive'],
    ['dash', COLORS.copiesInD, 'copies in D state'],
    ['area', COLORS.psiSome, 'PSI io some % (1 s)'],
    ['line', COLORS.psiFull, 'PSI io full % (1 s)'],
    ['tri', COLORS.ran, 'tick: copy ran'],
    ['tri', COLORS.skipped, 'tick: skipped'],
    ['tri', COLORS.deferred, 'tick: deferred'],
  ];
  let x = x0;
  return items
    .map(([kind, color, label]) => {
      let mark;
      if (kind === 'area') mark = `<rect x="${x}" y="${y - 7}" width="14" height="8" fill="${color}" fill-opacity="0.35"/>`;
      else if (kind === 'tri') mark = `<path d="M${x + 7},${y - 8} l-4,8 h8 z" fill="${color}"/>`;
      else mark = `<line x1="${x}" x2="${x + 14}" y1="${y - 3}" y2="${y - 3}" stroke="${color}" stroke-width="2"${kind === 'dash' ? ' stroke-dasharray="3 2"' : ''}/>`;
      const item = mark + text(x + 18, y, label);
      x += 24 + label.length * 5.8;
      return item;
    })
    .join('');
}

function steps(points) {
  const out = [];
  points.forEach(([px, py], i) => {
    if (i > 0) out.push([px, out.at(-1)[1]]);
    out.push([px, py]);
  });
  return out;
}

function polyline(points, color, width, dash) {
  const d = points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
  return `<polyline points="${d}" fill="none" stroke="${color}" stroke-width="${width}"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`;
}

function text(px, py, content, { anchor = 'start', fill, size, weight } = {}) {
  const attrs = [`x="${px.toFixed(1)}"`, `y="${py.toFixed(1)}"`];
  if (anchor !== 'start') attrs.push(`text-anchor="${anchor}"`);
  if (fill) attrs.push(`fill="${fill}"`);
  if (size) attrs.push(`font-size="${size}"`);
  if (weight) attrs.push(`font-weight="${weight}"`);
  return `<text ${attrs.join(' ')}>${escapeXml(content)}</text>`;
}

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

function niceCeil(v) {
  for (const step of [2, 4, 6, 8, 10, 12, 16, 20, 24, 30, 40, 50, 60, 80, 100]) if (v <= step) return step;
  return Math.ceil(v / 50) * 50;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output = input?.replace(/\.json(\.gz)?$/, '.svg')] = process.argv.slice(2);
  if (!input) {
    process.stderr.write('usage: chart.mjs RESULTS.json.gz [OUT.svg]\n');
    process.exit(2);
  }
  const raw = await readFile(input);
  // The raw results are kept gzipped in the tree (megabytes of samples per run).
  await writeFile(output, renderChart(JSON.parse((input.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8'))));
  process.stdout.write(`${output}\n`);
}
