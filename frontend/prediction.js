// Reading a prediction the way the model's output describes it.
import { state } from './state.js';
import { detailEntries } from './details.js';
import { el, fmt, percentFormat, shortVersion } from './dom.js';

const firstNumber = (...values) => values.find((value) => typeof value === 'number' && Number.isFinite(value));

export function positiveLabel(output) {
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

// Every class's probability (output type probabilities), in the order of model.json's labels; null where R gave NA.
function classProbabilities(prediction, output) {
  const given = prediction && typeof prediction.probabilities === 'object' && prediction.probabilities !== null
    ? prediction.probabilities : {};
  const labels = Array.isArray(output.labels) ? output.labels.map(String) : Object.keys(given);
  return labels.map((label) => {
    const value = given[label];
    return { label, value: typeof value === 'number' && Number.isFinite(value) ? value : null };
  });
}

export function interpret(prediction) {
  const meta = state.meta;
  const output = meta.output || {};
  const kind = output.type || (meta.task === 'classification' ? 'probability' : 'number');
  let value;
  let label = null;
  let warnings = [];
  let classes = null;
  if (kind === 'probabilities') {
    classes = classProbabilities(prediction, output);
    label = prediction && typeof prediction.label === 'string' ? prediction.label : null;
    // The value shown with the label: the probability of that class.
    value = classes.find((entry) => entry.label === label)?.value ?? undefined;
    warnings = detailEntries(prediction?.warnings);
  } else if (typeof prediction === 'number') value = prediction;
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
  return { kind, value: value ?? null, label, warnings, output, classes };
}

export function percentText(probability) {
  return probability === null ? 'no value' : percentFormat.format(probability);
}

export function valueText(result, withUnit = true) {
  if (result.value === null) return result.label ?? '';
  if (result.kind === 'probability' || result.kind === 'probabilities') return percentFormat.format(result.value);
  return withUnit && result.output.unit ? `${fmt(result.value)} ${result.output.unit}` : fmt(result.value);
}

// Top-level warnings may name a batch row; per-prediction warnings belong to that prediction.
export function warningsFor(response, index, result) {
  const global = detailEntries(response.warnings)
    .filter((entry) => entry.row === null ? index === 0 : entry.row === index);
  return [...global, ...result.warnings];
}

export function modelLine(model) {
  const name = model && model.name ? model.name : state.meta.name;
  const version = model && model.version ? model.version : state.meta.version;
  return el('p', { className: 'answered-by', 'data-model-name': name, 'data-model-version': version },
    'Answered by model ', el('strong', { text: name }), ' version ',
    el('code', { title: version, text: shortVersion(version) }), '.');
}
