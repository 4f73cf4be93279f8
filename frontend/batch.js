// The batch tab: CSV in, one request, a table of predictions (or of row errors) and a CSV download.
import { state } from './state.js';
import { api, modelPath } from './api.js';
import { detailEntries, entryText } from './details.js';
import { $, el, setBusy } from './dom.js';
import { interpret, modelLine, percentText, positiveLabel, valueText, warningsFor } from './prediction.js';

// RFC 4180 fields: quotes, doubled quotes, CRLF; the delimiter is whichever of , ; tab the header uses.
function parseCsv(text) {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.split(/\r?\n/, 1)[0] || '';
  const delimiter = [',', ';', '\t'].reduce((best, d) => (firstLine.split(d).length > firstLine.split(best).length ? d : best), ',');
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) { row.push(cell); cell = ''; }
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && source[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

function cellValue(input, raw) {
  const text = raw.trim();
  if (text === '') return undefined;
  if (input.type === 'numeric' || input.type === 'integer') {
    return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : text;
  }
  if (input.type === 'logical') {
    if (/^(true|t|yes|1)$/i.test(text)) return true;
    if (/^(false|f|no|0)$/i.test(text)) return false;
  }
  return text;
}

// -> {records, ignored} or throws Error with a message for the user
function recordsFromCsv(text) {
  const inputs = state.meta.inputs;
  const rows = parseCsv(text);
  if (rows.length < 2) throw new Error('Give a header row and at least one data row.');
  const header = rows[0].map((name) => name.trim().replace(/^"|"$/g, ''));
  const names = inputs.map((input) => input.name);
  const missing = names.filter((name) => !header.includes(name));
  if (missing.length) {
    throw new Error(`The header row lacks ${missing.join(', ')}. The first row must name the columns: ${names.join(', ')}.`);
  }
  const ignored = header.filter((name) => name && !names.includes(name));
  const records = rows.slice(1).map((cells) => {
    const record = {};
    for (const input of inputs) {
      const value = cellValue(input, cells[header.indexOf(input.name)] ?? '');
      if (value !== undefined) record[input.name] = value;
    }
    return record;
  });
  return { records, ignored };
}

export function exampleCsv() {
  const inputs = state.meta.inputs;
  const pick = (input, i) => {
    if (input.type === 'factor') return (input.levels || [])[i % Math.max(1, (input.levels || []).length)];
    if (input.type === 'logical') return i % 2 === 0 ? 'TRUE' : 'FALSE';
    if (typeof input.min === 'number' && typeof input.max === 'number' && i > 0) {
      const value = i === 1 ? input.min : Number(((input.min + input.max) / 2).toPrecision(4));
      return input.type === 'integer' ? Math.round(value) : value;
    }
    return input.example;
  };
  const rows = [0, 1, 2].map((i) => inputs.map((input) => csvCell(pick(input, i))).join(','));
  return [inputs.map((input) => csvCell(input.name)).join(','), ...rows].join('\n');
}

function csvCell(value) {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function valueColumns(kind, output) {
  const valueHeader = kind === 'probability' ? `Probability of ${positiveLabel(output)}`
    : `${output.name || 'Prediction'}${output.unit ? ` (${output.unit})` : ''}`;
  const columns = [{ header: valueHeader, cell: (row) => el('td', { className: 'num', text: row.result ? valueText(row.result, false) : '' }) }];
  if (kind === 'probability') columns.push({ header: 'Label', cell: (row) => el('td', { text: row.result?.label ?? '' }) });
  return columns;
}

// Every class's probability: the most probable class, then one column per class in model.json's order.
function classColumns(output) {
  const labels = Array.isArray(output.labels) ? output.labels.map(String) : [];
  const probability = (row, label) => row.result?.classes.find((entry) => entry.label === label)?.value ?? null;
  return [
    { header: output.name || 'Label', cell: (row) => el('td', { text: row.result?.label ?? '' }) },
    ...labels.map((label) => ({
      header: el('span', {}, el('span', { className: 'sr-prefix', text: 'Probability of ' }), label),
      cell: (row) => el('td', {
        className: row.result && row.result.label === label ? 'num is-top' : 'num',
        'data-label': label,
        'data-probability': row.result ? probability(row, label) : null,
        text: row.result ? percentText(probability(row, label)) : '',
      }),
    })),
  ];
}

function renderBatch(records, response, rowErrors, generalErrors, ignored) {
  const inputs = state.meta.inputs;
  const output = state.meta.output || {};
  const predictions = response && Array.isArray(response.predictions) ? response.predictions : [];
  const kind = interpret(predictions[0] ?? null).kind;
  const box = $('batch-result');
  box.replaceChildren(el('h2', { id: 'batch-heading', text: 'Batch predictions' }));
  if (ignored.length) box.append(el('p', { className: 'hint', text: `Ignored columns: ${ignored.join(', ')}.` }));
  if (generalErrors.length || rowErrors.size) {
    const count = rowErrors.size;
    box.append(el('div', { className: 'alert', role: 'alert' },
      el('p', { text: count
        ? `${count} of ${records.length} rows ${count === 1 ? 'has' : 'have'} errors, so no row was predicted. Fix ${count === 1 ? 'it' : 'them'} and submit again.`
        : 'The batch was refused.' }),
      generalErrors.length ? el('ul', {}, ...generalErrors.map((m) => el('li', { text: m }))) : null));
  }
  // What a reader looks for comes first (the answer, or the problem), so it stays in view on a phone.
  const answer = kind === 'probabilities' ? classColumns(output) : valueColumns(kind, output);
  const notes = {
    header: predictions.length ? 'Notes' : 'Problems',
    cell: (row) => el('td', { className: row.errors.length ? 'note-error' : 'note' },
      row.errors.length ? el('span', { className: 'sr-prefix', text: 'Error: ' }) : null,
      row.notes.map(entryText).join('; ')),
  };
  const fields = inputs.map((input) => ({
    header: input.name,
    cell: (row) => el('td', { text: row.record[input.name] === undefined ? '' : String(row.record[input.name]) }),
  }));
  const columns = predictions.length ? [...answer, ...fields, notes] : [notes, ...fields];
  const head = el('tr', {}, el('th', { scope: 'col', text: 'Row' }),
    ...columns.map((column) => el('th', { scope: 'col' }, column.header)));
  const tbody = el('tbody');
  records.forEach((record, index) => {
    const errors = rowErrors.get(index) || [];
    const result = index < predictions.length ? interpret(predictions[index]) : null;
    const row = { record, result, errors, notes: errors.length ? errors : (result ? warningsFor(response, index, result) : []) };
    tbody.append(el('tr', {
      className: errors.length ? 'row-error' : null,
      'data-value': result ? result.value : null,
      'data-label': result ? result.label : null,
    }, el('th', { scope: 'row', text: String(index + 1) }), ...columns.map((column) => column.cell(row))));
  });
  const table = el('table', {},
    el('caption', { text: `${records.length} row${records.length === 1 ? '' : 's'}` }),
    el('thead', {}, head), tbody);
  box.append(el('div', { className: 'table-scroll', role: 'region', 'aria-labelledby': 'batch-heading', tabindex: '0' }, table));
  if (response && response.model) box.append(modelLine(response.model));
  if (predictions.length) box.append(downloadLink(records, predictions));
  box.hidden = false;
}

// The columns batch scoring writes (lambda/batch_rows.py): label then probability_<class>, for every class's probability.
function downloadLink(records, predictions) {
  const names = state.meta.inputs.map((input) => input.name);
  const classes = (state.meta.output || {}).type === 'probabilities';
  const labels = classes ? interpret(predictions[0]).classes.map((entry) => entry.label) : [];
  const header = classes ? ['label', ...labels.map((label) => `probability_${label}`)] : ['prediction', 'label'];
  const lines = [[...names, ...header].map(csvCell).join(',')];
  records.forEach((record, i) => {
    const result = interpret(predictions[i]);
    const answer = classes ? [result.label, ...result.classes.map((entry) => entry.value)] : [result.value, result.label];
    lines.push([...names.map((n) => record[n]), ...answer].map(csvCell).join(','));
  });
  const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
  return el('p', {}, el('a', { href: url, download: 'predictions.csv', text: 'Download these predictions (CSV)' }));
}

export async function onSubmitBatch(event) {
  event.preventDefault();
  const csvError = $('csv-error');
  const textarea = $('csv-text');
  csvError.hidden = true;
  textarea.removeAttribute('aria-invalid');
  let parsed;
  try {
    if (!textarea.value.trim()) throw new Error('Choose a CSV file or paste rows first.');
    parsed = recordsFromCsv(textarea.value);
  } catch (err) {
    csvError.textContent = err.message;
    csvError.hidden = false;
    textarea.setAttribute('aria-invalid', 'true');
    textarea.focus();
    return;
  }
  const button = $('predict-batch');
  setBusy(button, true, 'Predicting…');
  try {
    const response = await api('POST', modelPath('/predict'), { instances: parsed.records });
    renderBatch(parsed.records, response, new Map(), [], parsed.ignored);
  } catch (err) {
    if (err.status === 0 || err.status >= 500 || err.status === 413 || err.details === undefined) {
      const hint = err.status === 413 ? ' Split the rows into smaller batches.' : '';
      renderBatch(parsed.records, null, new Map(), [err.message + hint], parsed.ignored);
    } else {
      const rowErrors = new Map();
      const general = [];
      for (const entry of detailEntries(err.details)) {
        if (entry.row === null) general.push(entryText(entry));
        else rowErrors.set(entry.row, [...(rowErrors.get(entry.row) || []), entry]);
      }
      if (!rowErrors.size && !general.length) general.push(err.message);
      renderBatch(parsed.records, null, rowErrors, general, parsed.ignored);
    }
  } finally {
    setBusy(button, false);
  }
}
