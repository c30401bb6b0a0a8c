// The chart page for bench/chart.png: horizontal bar panels in plain SVG, from results.json.

const KB = 1000;
const esc = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const OURS = '#0b6bcb';
const OURS_LIGHT = '#7fb3e6';
const OTHER = '#9aa3ad';
const BASE = '#c9ced4';

/**
 * One panel. bars: [{ label, parts: [{ value, color, text? }], note? }]; marks: [{ value, text }].
 */
function panel({ title, unit, bars, marks = [], digits = 1, width = 540, cap }) {
  const labelW = 200;
  const barH = 22;
  const gap = 8;
  const top = 34;
  const plotW = width - labelW - 175;
  const longest = Math.max(...bars.map((bar) => bar.parts.reduce((sum, part) => sum + part.value, 0)), ...marks.map((m) => m.value));
  // A bar longer than `cap` is cut (drawn with a break) so that the short ones stay readable.
  const max = (cap !== undefined && longest > cap ? cap : longest) * 1.05 || 1;
  const x = (value) => labelW + (Math.min(value, max) / max) * plotW;
  const height = top + bars.length * (barH + gap) + 26;
  const body = [];
  body.push(`<text x="0" y="18" class="title">${esc(title)}</text>`);
  bars.forEach((bar, i) => {
    const y = top + i * (barH + gap);
    body.push(`<text x="${labelW - 8}" y="${y + barH * 0.7}" class="label" text-anchor="end">${esc(bar.label)}</text>`);
    let at = 0;
    for (const part of bar.parts) {
      const w = x(at + part.value) - x(at);
      body.push(`<rect x="${x(at)}" y="${y}" width="${Math.max(w, 0.5)}" height="${barH}" fill="${part.color}"/>`);
      if (part.text && w > 38) body.push(`<text x="${x(at) + w / 2}" y="${y + barH * 0.7}" class="inbar" text-anchor="middle">${esc(part.text)}</text>`);
      at += part.value;
    }
    if (at > max) {
      const bx = x(max) - 14;
      body.push(`<path d="M${bx} ${y - 2} l6 ${barH + 4} M${bx + 6} ${y - 2} l6 ${barH + 4}" class="cut"/>`);
    }
    body.push(`<text x="${x(at) + 6}" y="${y + barH * 0.7}" class="value">${esc(bar.note ?? `${at.toFixed(digits)} ${unit}`)}</text>`);
  });
  for (const mark of marks) {
    const mx = x(mark.value);
    body.push(`<line x1="${mx}" y1="${top - 6}" x2="${mx}" y2="${height - 18}" class="mark"/>`);
    const anchor = mark.anchor ?? 'middle';
    const tx = mx + (anchor === 'end' ? -3 : anchor === 'start' ? 3 : 0);
    body.push(`<text x="${tx}" y="${height - 4}" class="marktext" text-anchor="${anchor}">${esc(mark.text)}</text>`);
  }
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${body.join('')}</svg>`;
}

export function chartHtml(results) {
  const { size, overhead, renewal, cold, sessions, machine, sizeBudgets } = results;
  const main = size.filter((row) => !row.part);
  const sizePanel = panel({
    title: 'What an app pays: Vite / webpack 5 bundle, min + gzip -9 (KB)',
    unit: 'KB',
    bars: main.flatMap((row) =>
      [['Vite', row.vite], ['webpack', row.webpack]].map(([bundler, b]) => ({
        label: `${row.name} (${bundler})`,
        parts: b.wasm
          ? [
              { value: b.js / KB, color: OURS, text: 'JS' },
              { value: b.wasm / KB, color: OURS_LIGHT, text: 'wasm' },
            ]
          : [{ value: b.total / KB, color: OTHER }],
      })),
    ),
    marks: [
      { value: sizeBudgets.target / KB, text: 'target: 32 KB', anchor: 'end' },
      { value: sizeBudgets.ciGate / KB, text: 'CI: 40 KiB', anchor: 'start' },
    ],
  });
  const o = overhead.results;
  const labels = { bare: 'bare stub', wrapper: 'minimal JS wrapper', ky: 'ky beforeRequest hook', ours: 'connect-token auth.fetch' };
  const colors = { bare: BASE, wrapper: OTHER, ky: OTHER, ours: OURS };
  const overheadPanel = panel({
    title: `Per awaited request, CPU ns (median of ${overhead.rounds} × ${overhead.perRound})`,
    unit: 'ns',
    digits: 0,
    cap: 1.3 * Math.max(o.wrapper.cpu, o.ours.cpu, o.bare.cpu + 5000),
    bars: Object.keys(o).map((name) => ({
      label: labels[name],
      parts: [{ value: Math.max(o[name].cpu, 0), color: colors[name] }],
      note: `${Math.round(o[name].cpu)} ns (wall ${Math.round(o[name].median)})`,
    })),
    marks: [{ value: o.bare.cpu + 5000, text: 'budget: bare + 5 µs' }],
  });
  const bar = (label, cpu, color) => ({ label, parts: [{ value: Math.max(cpu ?? 0, 0), color }], note: `${Math.round(cpu ?? 0)} ns` });
  const renewalPanel = panel({
    title: 'A renewal accepted, CPU ns over handing out the held token',
    unit: 'ns',
    digits: 0,
    bars: [
      bar('ours: token({forceRefresh})', renewal.added.oursCpu, OURS),
      bar('hand-rolled, jwt-decode', renewal.added.jwtDecodeCpu, OTHER),
    ],
  });
  const coldPanel = panel({
    title: `Cold start: first authenticated request leaves, ms (median of ${cold.loads})`,
    unit: 'ms',
    bars: [0, 100].flatMap((rtt) => [
      { label: `connect-token, RTT ${rtt} ms`, parts: [{ value: cold.results[rtt].ours.leaves, color: OURS }] },
      { label: `minimal JS module, RTT ${rtt} ms`, parts: [{ value: cold.results[rtt].plain.leaves, color: OTHER }] },
    ]),
  });
  const hostPanel = panel({
    title: 'Host calls ÷ minimum possible (and waiting requests)',
    unit: '',
    digits: 3,
    bars: sessions.map((s) => ({
      label: `${s.streams} stream${s.streams > 1 ? 's' : ''}, TTL ${s.ttl} s`,
      parts: [{ value: s.ratio, color: OURS }],
      note: `${s.ratio.toFixed(3)} (${s.hostCalls}/${s.minimumCalls.toFixed(1)}); ${s.waitedSteady} waited`,
    })),
    marks: [{ value: 1, text: '1.00' }],
  });
  return `<!doctype html><meta charset="utf-8"><style>
    body { font: 13px system-ui, sans-serif; margin: 16px; color: #1d2125; background: #fff; width: 1100px; }
    h1 { font-size: 17px; margin: 0 0 4px; } p { margin: 0 0 12px; color: #505f6e; }
    .grid { display: grid; grid-template-columns: 545px 545px; gap: 14px 10px; }
    .title { font-weight: 600; font-size: 13px; } .label { font-size: 12px; } .value { font-size: 12px; fill: #3b4754; }
    .inbar { font-size: 11px; fill: #fff; } .mark { stroke: #c9372c; stroke-dasharray: 4 3; } .marktext { font-size: 11px; fill: #c9372c; } .cut { stroke: #fff; stroke-width: 3; }
  </style>
  <h1>connect-token benchmarks</h1>
  <p>${esc(`${machine.nproc} cores, ${machine.cpu}, Chromium ${machine.chromium}, ${results.generated.slice(0, 16).replace('T', ' ')} UTC${results.quick ? ' — QUICK run, small counts' : ''}`)}</p>
  <div class="grid"><div>${sizePanel}</div><div>${overheadPanel}</div><div>${renewalPanel}</div><div>${coldPanel}</div><div>${hostPanel}</div></div>`;
}
