// The one-record form: built from the model's inputs; results and errors shown next to their fields.
import { state } from './state.js';
import { api, modelPath } from './api.js';
import { detailEntries, entryText } from './details.js';
import { $, clearAlert, el, fmt, percentFormat, setBusy, setStatus, showAlert } from './dom.js';
import { interpret, modelLine, percentText, positiveLabel, valueText, warningsFor } from './prediction.js';

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

export function renderFields(inputs) {
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

export function fillExamples() {
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

// One bar per class, each with its label and percent as text; the most probable one (the answer) marked.
function classBars(result) {
  const list = el('ul', { className: 'class-bars', 'aria-label': `Probability of each ${result.output.name || 'class'}` });
  for (const { label, value } of result.classes) {
    const top = label === result.label;
    const percent = value === null ? 0 : Math.max(0, Math.min(100, value * 100));
    list.append(el('li', { className: top ? 'class-bar is-top' : 'class-bar', 'data-label': label, 'data-probability': value },
      el('span', { className: 'class-name' }, label, top ? ' ' : null, top ? el('span', { className: 'top-mark', text: 'most probable' }) : null),
      el('span', { className: 'class-percent', text: percentText(value) }),
      el('div', { className: 'bar', 'aria-hidden': 'true' }, el('div', { className: 'bar-fill', style: { width: `${percent}%` } }))));
  }
  return list;
}

function renderResult(response) {
  const prediction = Array.isArray(response.predictions) ? response.predictions[0] : response.prediction;
  const result = interpret(prediction);
  const box = $('result');
  const attrs = { className: 'prediction', 'data-kind': result.kind, 'data-value': result.value, 'data-label': result.label };
  const body = el('div', attrs);
  if (result.kind === 'probabilities') {
    const count = result.classes.length;
    body.append(
      el('p', { className: 'prediction-label', text: result.label ?? '—' }),
      result.label === null
        ? el('p', { className: 'prediction-detail', text: 'No answer: the model gave no probability for some class.' })
        : el('p', { className: 'prediction-detail' }, `Most probable of ${count} classes, at `,
          el('strong', { className: 'prediction-value', text: valueText(result) })),
      classBars(result));
  } else if (result.kind === 'probability' && result.value !== null) {
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

export async function onSubmitSingle(event) {
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
    renderResult(await api('POST', modelPath('/predict'), record));
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
