// The monitoring report as markup: inline SVG charts plus tables with the same numbers. Pure functions of the
// report (monitoring/<model>/latest.json), no DOM: the page's Monitoring view inserts the markup, and
// `make monitor` renders the same markup into build/monitoring/<model>.html with Node. No style attributes (the
// site's CSP refuses them): colours and sizes are SVG presentation attributes.

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const WIDTH = 560;
const HEIGHT = 220;
const PAD = { left: 48, right: 120, top: 16, bottom: 36 };

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function fmt(value, digits = 3) {
  if (value === null || value === undefined) return '–';
  if (typeof value !== 'number') return esc(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(digits);
}

function svg(title, body) {
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" ` +
    `height="${HEIGHT}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${body}</svg></figure>`;
}

function scale(max) {
  const top = max > 0 ? max * 1.1 : 1;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  return { top, y: (v) => PAD.top + plotH - (v / top) * plotH };
}

function axes(top, y, yLabel) {
  const x0 = PAD.left;
  const x1 = WIDTH - PAD.right;
  const ticks = [0, top / 2, top].map((t) => `<text x="${x0 - 4}" y="${y(t) + 4}" text-anchor="end" ` +
    `font-size="10">${fmt(t, 2)}</text><line x1="${x0}" x2="${x1}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`);
  return `${ticks.join('')}<text x="4" y="${PAD.top - 4}" font-size="10">${esc(yLabel)}</text>` +
    `<line x1="${x0}" x2="${x0}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#888"/>`;
}

function legend(names) {
  return names.map((name, i) => `<rect x="${WIDTH - PAD.right + 8}" y="${PAD.top + i * 16}" width="10" height="10" ` +
    `fill="${COLOURS[i % COLOURS.length]}"/><text x="${WIDTH - PAD.right + 22}" y="${PAD.top + i * 16 + 9}" ` +
    `font-size="11">${esc(name)}</text>`).join('');
}

// One line per series over the x labels (days); a dashed threshold line when given.
export function lineChart(title, xLabels, series, yLabel, threshold = null) {
  const values = series.flatMap((s) => s.values).filter((v) => v !== null && v !== undefined);
  const { top, y } = scale(Math.max(...values, threshold ?? 0, 0));
  const plotW = WIDTH - PAD.left - PAD.right;
  const x = (i) => PAD.left + (xLabels.length > 1 ? (i / (xLabels.length - 1)) * plotW : plotW / 2);
  const lines = series.map((s, k) => {
    const colour = COLOURS[k % COLOURS.length];
    const points = s.values.map((v, i) => (v === null || v === undefined ? null : [x(i), y(v)])).filter(Boolean);
    const path = points.length > 1
      ? `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => p.join(',')).join(' ')}"/>`
      : '';
    return path + points.map(([px, py]) => `<circle cx="${px}" cy="${py}" r="3" fill="${colour}"/>`).join('');
  });
  const limit = threshold === null ? '' : `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(threshold)}" ` +
    `y2="${y(threshold)}" stroke="#000" stroke-dasharray="4 3"/><text x="${WIDTH - PAD.right - 2}" ` +
    `y="${y(threshold) - 3}" text-anchor="end" font-size="10">threshold ${fmt(threshold, 2)}</text>`;
  const labels = xLabels.map((d, i) => `<text x="${x(i)}" y="${HEIGHT - PAD.bottom + 14}" text-anchor="middle" ` +
    `font-size="10">${esc(d.slice(5))}</text>`);
  return svg(title, axes(top, y, yLabel) + limit + lines.join('') + labels.join('') + legend(series.map((s) => s.name)));
}

// Training (expected) against live (actual) share per bin, side by side.
export function barsChart(title, bins, expected, actual) {
  const { top, y } = scale(Math.max(...expected, ...actual, 0));
  const slot = (WIDTH - PAD.left - PAD.right) / Math.max(bins.length, 1);
  const bar = Math.max(slot / 2 - 2, 1);
  const bars = bins.map((bin, i) => {
    const x = PAD.left + i * slot + 1;
    return [expected[i], actual[i]].map((v, k) => `<rect x="${x + k * bar}" y="${y(v)}" width="${bar}" ` +
      `height="${y(0) - y(v)}" fill="${COLOURS[k]}"><title>${esc(bin)}: ${k ? 'live' : 'training'} ` +
      `${fmt(v)}</title></rect>`).join('') + `<text x="${x + bar}" y="${HEIGHT - PAD.bottom + 14}" ` +
      `text-anchor="middle" font-size="9">${esc(bin)}</text>`;
  });
  return svg(title, axes(top, y, 'share of rows') + bars.join('') + legend(['training', 'live']));
}

function table(caption, head, rows) {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr><th scope="row">${esc(r[0])}</th>${r.slice(1).map((c) => `<td>${c}</td>`).join('')}</tr>`);
  return `<table class="numbers"><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead>` +
    `<tbody>${body.join('')}</tbody></table>`;
}

const QUALITY = [['accuracy', 'accuracy'], ['log_loss', 'log-loss'], ['auc', 'AUC'], ['rmse', 'RMSE'], ['mae', 'MAE']];

function versionMarkup(report) {
  const parts = [`<h3>Version ${esc(report.version)}</h3>`];
  const w = report.window;
  parts.push(`<p>Window ${esc(w.from)} to ${esc(w.to)}: ${fmt(w.traffic.requests)} requests, ` +
    `${fmt(w.traffic.rows)} rows. Drifted inputs: <strong>${esc(report.drifted_inputs.join(', ') || 'none')}</strong>; ` +
    `prediction drift: <strong>${report.prediction_drift ? 'yes' : 'no'}</strong>.</p>`);
  parts.push(...report.notes.map((note) => `<p class="note">${esc(note)}</p>`));
  const days = report.days.map((d) => d.date);
  parts.push(table('Traffic per day', ['day', 'requests', 'rows', 'errors', 'handler p50 ms', 'handler p99 ms'],
    report.days.map((d) => [d.date, fmt(d.traffic.requests), fmt(d.traffic.rows),
      esc(Object.entries(d.traffic.errors).map(([s, n]) => `${s}: ${n}`).join(', ') || '0'),
      fmt(d.traffic.handler_ms.p50), fmt(d.traffic.handler_ms.p99)])));
  const inputs = Object.entries(w.inputs || {}).filter(([, f]) => f.psi !== undefined);
  if (inputs.length) {
    const series = inputs.map(([name]) => ({ name, values: report.days.map((d) => d.inputs?.[name]?.psi ?? null) }));
    series.push({ name: 'prediction', values: report.days.map((d) => d.prediction?.psi ?? null) });
    parts.push(lineChart('Drift (PSI) per input over time', days, series, 'PSI', report.thresholds.psi));
    parts.push(table(`Inputs over the window (PSI threshold ${report.thresholds.psi})`,
      ['input', 'PSI', 'KS', 'missing', 'out of range', 'rows', 'drifted'],
      Object.entries(w.inputs).map(([name, f]) => [name, fmt(f.psi), fmt(f.ks), fmt(f.missing_rate),
        fmt(f.out_of_range_rate), fmt(f.rows), f.captured === false ? 'not captured' : f.drift ? 'yes' : 'no'])));
    const today = report.days[report.days.length - 1];
    for (const [name, f] of [...Object.entries(today.inputs || {}), ['prediction', today.prediction]]) {
      if (!f || f.bins === undefined) continue;
      parts.push(barsChart(`${name} on ${today.date}: live against training`, f.bins, f.expected, f.actual));
      parts.push(table(`${name} on ${today.date}: share of rows per bin`, ['bin', 'training', 'live'],
        f.bins.map((b, i) => [b, fmt(f.expected[i]), fmt(f.actual[i])])));
    }
  }
  const measured = QUALITY.filter(([key]) => report.days.some((d) => d.quality?.[key] !== undefined));
  if (measured.length) {
    const series = measured.map(([key, name]) => ({ name, values: report.days.map((d) => d.quality?.[key] ?? null) }));
    parts.push(lineChart('Quality on joined truth over time', days, series, 'value'));
    const training = report.training || {};
    parts.push(table('Quality on joined truth', ['period', 'joined rows', ...measured.map(([, n]) => n)],
      [...report.days.map((d) => [d.date, fmt(d.quality?.rows), ...measured.map(([k]) => fmt(d.quality?.[k]))]),
        ['window', fmt(w.quality.rows), ...measured.map(([k]) => fmt(w.quality[k]))],
        ['training', fmt(training.rows), ...measured.map(([k]) => fmt(training[k]))]]));
  }
  return `<section class="monitoring-version">${parts.join('\n')}</section>`;
}

// Every version's report of one model (the monitor's latest.json).
export function reportMarkup(latest) {
  const versions = latest.reports.map(versionMarkup);
  return `<p>Report of ${esc(latest.date)} for model <strong>${esc(latest.model)}</strong>.</p>${versions.join('\n')}`;
}
