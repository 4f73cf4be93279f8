'use strict';
// The page builds itself from config.json (API URL) and GET /metadata (the model's inputs and output).
(() => {
  const TIMEOUT_MS = 30000;
  const state = { apiUrl: '', meta: null, controls: new Map() };
  const $ = (id) => document.getElementById(id);

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }

  // ---- small DOM and formatting tools ----

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      // Through the CSSOM: a style attribute is inline style, which the site's content security policy refuses.
      else if (key === 'style') Object.assign(node.style, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  const numberFormat = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
  const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
  const fmt = (value) => (typeof value === 'number' ? numberFormat.format(value) : String(value));
  const shortVersion = (version) => String(version || '?').slice(0, 12);

  // ---- HTTP ----

  async function api(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    const options = { method, signal: controller.signal, headers: { Accept: 'application/json' } };
    if (body !== undefined) {
      options.headers['Content-Type'] = 'application/json';
      options.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(state.apiUrl + path, options);
    } catch (err) {
      if (controller.signal.aborted) {
        throw new ApiError(0, 'timeout',
          `The API did not answer within ${TIMEOUT_MS / 1000} s. Try again: the first call after a deploy can be slow.`);
      }
      throw new ApiError(0, 'unreachable',
        `Cannot reach the API at ${state.apiUrl}. Check that the stack is running (make up), then try again.`);
    } finally {
      clearTimeout(timer);
    }
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const error = data && typeof data.error === 'object' && data.error ? data.error : {};
      const message = error.message || (data && data.message) ||
        `The API answered ${response.status} ${response.statusText}.`;
      throw new ApiError(response.status, error.code || `http_${response.status}`, message, error.details);
    }
    if (data === null) throw new ApiError(response.status, 'bad_response', 'The API answered with something that is not JSON.');
    return data;
  }

  // ---- status and alerts ----

  function setStatus(kind, text) {
    $('api-status').dataset.state = kind;
    $('api-status-text').textContent = text;
  }

  function showAlert(message, items = [], id = 'alert') {
    const alert = $(id);
    alert.replaceChildren(el('p', { text: message }));
    if (items.length) alert.append(el('ul', {}, ...items.map((item) => el('li', { text: item }))));
    alert.hidden = false;
  }

  function clearAlert(id = 'alert') {
    $(id).hidden = true;
    $(id).replaceChildren();
  }

  // ---- error details: a list of {field, message} or a dict field -> message, maybe per batch row ----

  function messageOf(value) {
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) return value.map(messageOf).filter(Boolean).join('; ');
    if (typeof value === 'object') {
      return messageOf(value.message ?? value.msg ?? value.error ?? value.reason ?? value.detail) || JSON.stringify(value);
    }
    return String(value);
  }

  // "instances[2].gre", "instances.2.gre", "/instances/2/gre", ["instances", 2, "gre"] -> {row: 2, field: "gre"}
  function parsePath(path) {
    const tokens = (Array.isArray(path) ? path.map(String) : String(path).split(/[.[\]/]+/)).filter(Boolean);
    let row = null;
    let field = null;
    for (const token of tokens) {
      if (/^\d+$/.test(token)) {
        if (row === null) row = Number(token);
      } else if (token !== 'instances' && token !== 'body') {
        field = token;
      }
    }
    return { row, field };
  }

  function detailEntries(details, row = null) {
    if (details === null || details === undefined) return [];
    if (typeof details === 'string') return [{ row, field: null, message: details }];
    if (Array.isArray(details)) {
      return details.flatMap((detail) => {
        if (typeof detail !== 'object' || detail === null) return [{ row, field: null, message: messageOf(detail) }];
        const where = detail.field ?? detail.name ?? detail.input ?? detail.loc ?? detail.path ?? null;
        const parsed = where === null ? { row: null, field: null } : parsePath(where);
        const rowIndex = detail.row ?? detail.index ?? detail.instance ?? parsed.row ?? row;
        return [{ row: rowIndex === null ? null : Number(rowIndex), field: parsed.field, message: messageOf(detail) }];
      });
    }
    if (typeof details === 'object') {
      return Object.entries(details).flatMap(([key, value]) => {
        const parsed = parsePath(key);
        const rowIndex = parsed.row ?? row;
        const nested = value && typeof value === 'object' && !Array.isArray(value) &&
          !('message' in value) && !('msg' in value);
        if (nested) return detailEntries(value, rowIndex);
        return [{ row: rowIndex, field: parsed.field, message: messageOf(value) }];
      });
    }
    return [{ row, field: null, message: String(details) }];
  }

  // "gre: above the training range" unless the message already names its field
  const entryText = (entry) => (entry.field && !entry.message.includes(entry.field)
    ? `${entry.field}: ${entry.message}` : entry.message);

  // ---- the form ----

  function inputHint(input) {
    const range = typeof input.min === 'number' && typeof input.max === 'number'
      ? `Training data: ${fmt(input.min)} to ${fmt(input.max)}.` : '';
    if (input.type === 'integer') return `Whole number. ${range}`.trim();
    if (input.type === 'numeric') return range;
    if (input.type === 'factor') return `One of ${(input.levels || []).length} levels.`;
    if (input.type === 'logical') return 'Checked means TRUE.';
    return '';
  }

  function controlFor(input, id) {
    if (input.type === 'factor') {
      const select = el('select', { id, name: input.name });
      for (const level of input.levels || []) select.append(el('option', { value: level, text: level }));
      return select;
    }
    if (input.type === 'logical') return el('input', { id, name: input.name, type: 'checkbox' });
    if (input.type === 'numeric' || input.type === 'integer') {
      return el('input', {
        id, name: input.name, type: 'number', autocomplete: 'off',
        step: input.type === 'integer' ? '1' : 'any',
        inputmode: input.type === 'integer' ? 'numeric' : 'decimal',
      });
    }
    return el('input', { id, name: input.name, type: 'text', autocomplete: 'off' });
  }

  function setControlValue(input, control, value) {
    if (input.type === 'logical') control.checked = value === true || value === 'TRUE' || value === 'true';
    else control.value = value === null || value === undefined ? '' : String(value);
  }

  function renderFields(inputs) {
    const container = $('fields');
    container.replaceChildren();
    state.controls.clear();
    inputs.forEach((input, index) => {
      const id = `field-${index}`;
      const control = controlFor(input, id);
      const hintText = inputHint(input);
      const hint = hintText ? el('p', { id: `${id}-hint`, className: 'hint', text: hintText }) : null;
      const error = el('p', { id: `${id}-error`, className: 'field-error', hidden: true });
      const warning = el('p', { id: `${id}-warning`, className: 'field-warning', hidden: true });
      if (hint) control.setAttribute('aria-describedby', hint.id);
      const label = el('label', { for: id, text: input.label || input.name });
      const wrapper = input.type === 'logical'
        ? el('div', { className: 'field field-check', 'data-field': input.name },
          el('div', { className: 'check-row' }, control, label), hint, error, warning)
        : el('div', { className: 'field', 'data-field': input.name }, label, control, hint, error, warning);
      container.append(wrapper);
      state.controls.set(input.name, { input, control, hint, error, warning });
      setControlValue(input, control, input.example);
    });
  }

  function fillExamples() {
    for (const { input, control } of state.controls.values()) setControlValue(input, control, input.example);
    clearFieldMessages();
  }

  function readRecord() {
    const record = {};
    const problems = [];
    for (const { input, control } of state.controls.values()) {
      if (input.type === 'logical') {
        record[input.name] = control.checked;
      } else if (input.type === 'numeric' || input.type === 'integer') {
        if (control.validity.badInput) problems.push({ field: input.name, message: 'Enter a number.' });
        else if (control.value.trim() !== '') record[input.name] = Number(control.value);
      } else {
        record[input.name] = control.value;
      }
    }
    return { record, problems };
  }

  function describedBy(entry) {
    return [entry.hint, entry.error.hidden ? null : entry.error, entry.warning.hidden ? null : entry.warning]
      .filter(Boolean).map((node) => node.id).join(' ');
  }

  function clearFieldMessages() {
    for (const entry of state.controls.values()) {
      entry.error.hidden = true;
      entry.error.textContent = '';
      entry.warning.hidden = true;
      entry.warning.textContent = '';
      entry.control.removeAttribute('aria-invalid');
      entry.control.setAttribute('aria-describedby', describedBy(entry));
    }
  }

  // Puts each message next to its field; returns the messages that name no field of the form.
  function showFieldMessages(entries, kind) {
    const unplaced = [];
    for (const { field, message } of entries) {
      const entry = field !== null ? state.controls.get(field) : undefined;
      if (!entry) {
        unplaced.push(entryText({ field, message }));
        continue;
      }
      const node = kind === 'error' ? entry.error : entry.warning;
      node.textContent = node.textContent ? `${node.textContent} ${message}` : message;
      node.hidden = false;
      if (kind === 'error') entry.control.setAttribute('aria-invalid', 'true');
      entry.control.setAttribute('aria-describedby', describedBy(entry));
    }
    return unplaced;
  }

  function focusFirstInvalid() {
    const invalid = $('fields').querySelector('[aria-invalid="true"]');
    if (invalid) invalid.focus();
  }

  // ---- interpreting a prediction ----

  const firstNumber = (...values) => values.find((value) => typeof value === 'number' && Number.isFinite(value));

  function positiveLabel(output) {
    const labels = output.labels;
    if (Array.isArray(labels) && labels.length === 2) return String(labels[1]);
    if (labels && typeof labels === 'object') return String(labels['1'] ?? labels.true ?? labels.positive ?? output.name);
    return output.name || 'the positive class';
  }

  function labelFor(probability, output) {
    const threshold = typeof output.threshold === 'number' ? output.threshold : 0.5;
    const above = probability >= threshold;
    const labels = output.labels;
    if (Array.isArray(labels) && labels.length === 2) return String(above ? labels[1] : labels[0]);
    if (labels && typeof labels === 'object') {
      const label = above ? labels['1'] ?? labels.true ?? labels.positive : labels['0'] ?? labels.false ?? labels.negative;
      if (label !== undefined) return String(label);
    }
    return above ? 'yes' : 'no';
  }

  function interpret(prediction) {
    const meta = state.meta;
    const output = meta.output || {};
    const kind = output.type || (meta.task === 'classification' ? 'probability' : 'number');
    let value;
    let label = null;
    let warnings = [];
    if (typeof prediction === 'number') value = prediction;
    else if (typeof prediction === 'string') label = prediction;
    else if (prediction && typeof prediction === 'object') {
      value = firstNumber(prediction.probability, prediction[output.name], prediction.value, prediction.prediction,
        prediction.predicted, prediction.estimate);
      const named = prediction.label ?? prediction.class;
      if (named !== undefined && named !== null) label = String(named);
      else if (typeof prediction[output.name] === 'string') label = prediction[output.name];
      warnings = detailEntries(prediction.warnings);
    }
    if (kind === 'probability' && label === null && value !== undefined) label = labelFor(value, output);
    return { kind, value: value ?? null, label, warnings, output };
  }

  function valueText(result, withUnit = true) {
    if (result.value === null) return result.label ?? '';
    if (result.kind === 'probability') return percentFormat.format(result.value);
    return withUnit && result.output.unit ? `${fmt(result.value)} ${result.output.unit}` : fmt(result.value);
  }

  // Top-level warnings may name a batch row; per-prediction warnings belong to that prediction.
  function warningsFor(response, index, result) {
    const global = detailEntries(response.warnings)
      .filter((entry) => entry.row === null ? index === 0 : entry.row === index);
    return [...global, ...result.warnings];
  }

  // ---- showing one prediction ----

  function modelLine(model) {
    const name = model && model.name ? model.name : state.meta.name;
    const version = model && model.version ? model.version : state.meta.version;
    return el('p', { className: 'answered-by', 'data-model-name': name, 'data-model-version': version },
      'Answered by model ', el('strong', { text: name }), ' version ',
      el('code', { title: version, text: shortVersion(version) }), '.');
  }

  function renderResult(response) {
    const prediction = Array.isArray(response.predictions) ? response.predictions[0] : response.prediction;
    const result = interpret(prediction);
    const box = $('result');
    const attrs = { className: 'prediction', 'data-kind': result.kind, 'data-value': result.value, 'data-label': result.label };
    const body = el('div', attrs);
    if (result.kind === 'probability' && result.value !== null) {
      const percent = Math.max(0, Math.min(100, result.value * 100));
      const threshold = typeof result.output.threshold === 'number' ? result.output.threshold : 0.5;
      body.append(
        el('p', { className: 'prediction-label', text: result.label }),
        el('p', { className: 'prediction-detail' }, `Probability of ${positiveLabel(result.output)}: `,
          el('strong', { className: 'prediction-value', text: valueText(result) })),
        el('div', { className: 'bar', 'aria-hidden': 'true' },
          el('div', { className: 'bar-fill', style: { width: `${percent}%` } }),
          el('div', { className: 'bar-threshold', style: { left: `${threshold * 100}%` } })),
        el('p', { className: 'hint', text: `The label changes at ${percentFormat.format(threshold)}.` }));
    } else if (result.kind === 'class' || result.value === null) {
      body.append(el('p', { className: 'prediction-label prediction-value', text: result.label ?? '—' }));
    } else {
      body.append(
        el('p', { className: 'prediction-detail', text: `Predicted ${result.output.name || 'value'}` }),
        el('p', { className: 'prediction-label prediction-value', text: valueText(result) }));
    }
    box.replaceChildren(el('h2', { text: 'Prediction' }), body, modelLine(response.model));
    const warnings = warningsFor(response, 0, result);
    if (warnings.length) {
      showFieldMessages(warnings, 'warning');
      box.append(el('div', { className: 'warnings' },
        el('h3', { text: 'Warnings' }),
        el('ul', {}, ...warnings.map((w) => el('li', { text: entryText(w) })))));
    }
    box.hidden = false;
  }

  async function onSubmitSingle(event) {
    event.preventDefault();
    clearAlert('form-alert');
    clearFieldMessages();
    const { record, problems } = readRecord();
    if (problems.length) {
      showFieldMessages(problems, 'error');
      showAlert('Check the highlighted field.', [], 'form-alert');
      focusFirstInvalid();
      return;
    }
    const button = $('predict');
    setBusy(button, true, 'Predicting…');
    try {
      renderResult(await api('POST', '/predict', record));
    } catch (err) {
      $('result').hidden = true;
      showRequestError(err);
    } finally {
      setBusy(button, false);
    }
  }

  function showRequestError(err) {
    const entries = detailEntries(err.details);
    const unplaced = showFieldMessages(entries, 'error');
    if (entries.length > unplaced.length) {
      const placed = entries.length - unplaced.length;
      showAlert(placed === 1 ? 'Check the highlighted field.' : `Check the ${placed} highlighted fields.`, unplaced, 'form-alert');
      focusFirstInvalid();
    } else {
      showAlert(err.message, unplaced, 'form-alert');
      if (err.status === 0 || err.status === 503) setStatus('error', err.status === 503 ? 'Model not available' : 'Not connected');
    }
  }

  function setBusy(button, busy, text) {
    if (busy) {
      button.dataset.label = button.textContent;
      button.textContent = text;
    } else if (button.dataset.label) {
      button.textContent = button.dataset.label;
    }
    button.disabled = busy;
    button.form.setAttribute('aria-busy', String(busy));
  }

  // ---- batch ----

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

  function exampleCsv() {
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
    const valueHeader = kind === 'probability' ? `Probability of ${positiveLabel(output)}`
      : `${output.name || 'Prediction'}${output.unit ? ` (${output.unit})` : ''}`;
    // What a reader looks for comes first (the answer, or the problem), so it stays in view on a phone.
    const answer = [{ header: valueHeader, cell: (row) => el('td', { className: 'num', text: row.result ? valueText(row.result, false) : '' }) }];
    if (kind === 'probability') answer.push({ header: 'Label', cell: (row) => el('td', { text: row.result?.label ?? '' }) });
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
      ...columns.map((column) => el('th', { scope: 'col', text: column.header })));
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

  function downloadLink(records, predictions) {
    const names = state.meta.inputs.map((input) => input.name);
    const lines = [[...names, 'prediction', 'label'].map(csvCell).join(',')];
    records.forEach((record, i) => {
      const result = interpret(predictions[i]);
      lines.push([...names.map((n) => record[n]), result.value, result.label].map(csvCell).join(','));
    });
    const url = URL.createObjectURL(new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' }));
    return el('p', {}, el('a', { href: url, download: 'predictions.csv', text: 'Download these predictions (CSV)' }));
  }

  async function onSubmitBatch(event) {
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
      const response = await api('POST', '/predict', { instances: parsed.records });
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

  // ---- tabs (WAI-ARIA tabs pattern, automatic activation) ----

  function setupTabs() {
    const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
    const select = (tab, focus) => {
      for (const other of tabs) {
        const selected = other === tab;
        other.setAttribute('aria-selected', String(selected));
        other.tabIndex = selected ? 0 : -1;
        $(other.getAttribute('aria-controls')).hidden = !selected;
      }
      if (focus) tab.focus();
    };
    tabs.forEach((tab, index) => {
      tab.addEventListener('click', () => select(tab, false));
      tab.addEventListener('keydown', (event) => {
        const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
      });
    });
  }

  // ---- start-up ----

  function describeModel(meta) {
    const parts = [meta.task === 'classification' ? 'Classification' : meta.task === 'regression' ? 'Regression' : meta.task];
    if (meta.r_version) parts.push(`R ${meta.r_version}`);
    if (meta.trained_at) parts.push(`trained ${String(meta.trained_at).slice(0, 10)}`);
    // Each part stays on one line; the line breaks between parts.
    return parts.filter(Boolean).flatMap((part, i) => [i ? ' · ' : '', el('span', { className: 'nowrap', text: part })]);
  }

  async function loadConfig() {
    let response;
    try {
      response = await fetch('config.json', { cache: 'no-store' });
    } catch {
      throw new Error('Cannot load config.json next to this page. Reload the page.');
    }
    if (!response.ok) {
      throw new Error(`config.json is missing (HTTP ${response.status}); it is written when the stack is deployed (make up).`);
    }
    const config = await response.json().catch(() => ({}));
    const url = typeof config.api_url === 'string' ? config.api_url.trim().replace(/\/+$/, '') : '';
    if (!url) throw new Error('config.json has no "api_url"; deploy the stack again (make up).');
    return url;
  }

  async function checkHealth() {
    try {
      const health = await api('GET', '/health');
      if (health.status && health.status !== 'ok') {
        const reason = messageOf(health.load_error ?? health.error ?? health.message);
        setStatus('warn', `Ready, but the API reports "${health.status}"${reason ? `: ${reason}` : ''}.`);
      }
    } catch (err) {
      setStatus('warn', `Ready, but /health answered: ${err.message}`);
    }
  }

  async function start() {
    clearAlert();
    $('retry').hidden = true;
    $('app').hidden = true;
    setStatus('loading', 'Loading the model description…');
    let meta;
    try {
      state.apiUrl = await loadConfig();
      meta = await api('GET', '/metadata');
      if (!Array.isArray(meta.inputs)) throw new ApiError(200, 'bad_metadata', 'The API answered /metadata without a list of inputs.');
    } catch (err) {
      setStatus('error', err.status === 503 ? 'The model is not loaded.' : 'Not connected.');
      showAlert(err.message);
      $('retry').hidden = false;
      return;
    }
    state.meta = meta;
    document.title = `${meta.name} · R model prediction`;
    $('model-title').textContent = `Predict with ${meta.name}`;
    $('model-summary').replaceChildren(...describeModel(meta));
    $('batch-columns').textContent = meta.inputs.map((input) => input.name).join(', ');
    renderFields(meta.inputs);
    $('app').hidden = false;
    for (const id of ['predict', 'reset-examples', 'predict-batch', 'fill-example-csv']) $(id).disabled = false;
    $('single-form').setAttribute('aria-busy', 'false');
    const openapi = $('openapi-link');
    openapi.href = `${state.apiUrl}/openapi.json`;
    openapi.hidden = false;
    setStatus('ok', `Ready: ${meta.name}, version ${shortVersion(meta.version)}.`);
    checkHealth();
  }

  document.addEventListener('DOMContentLoaded', () => {
    setupTabs();
    $('single-form').addEventListener('submit', onSubmitSingle);
    $('batch-form').addEventListener('submit', onSubmitBatch);
    $('reset-examples').addEventListener('click', fillExamples);
    $('fill-example-csv').addEventListener('click', () => {
      const box = $('csv-text');
      box.value = exampleCsv();
      box.focus();
      box.setSelectionRange(0, 0);  // show the start of the rows, not the end of the last one
      box.scrollLeft = 0;
    });
    $('retry').addEventListener('click', start);
    // A chosen file lands in the text box, where it can be checked and edited before sending.
    $('csv-file').addEventListener('change', async (event) => {
      const file = event.target.files[0];
      if (file) $('csv-text').value = await file.text();
    });
    start();
  });
})();
