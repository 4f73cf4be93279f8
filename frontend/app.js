// The page builds itself from config.json (API URL), GET /models (the picker) and the chosen model's metadata.
import { api, ApiError, loadConfig, modelPath } from './api.js';
import { exampleCsv, onSubmitBatch } from './batch.js';
import { messageOf } from './details.js';
import { $, clearAlert, el, setStatus, shortVersion, showAlert } from './dom.js';
import { fillExamples, onSubmitSingle, renderFields } from './form.js';
import { resetMonitoring, setupMonitoring } from './monitoring.js';
import { listModels, renderPicker } from './picker.js';
import { state } from './state.js';
import { setupTabs } from './tabs.js';

function describeModel(meta) {
  const parts = [meta.task === 'classification' ? 'Classification' : meta.task === 'regression' ? 'Regression' : meta.task];
  if (meta.r_version) parts.push(`R ${meta.r_version}`);
  if (meta.trained_at) parts.push(`trained ${String(meta.trained_at).slice(0, 10)}`);
  // Each part stays on one line; the line breaks between parts.
  return parts.filter(Boolean).flatMap((part, i) => [i ? ' · ' : '', el('span', { className: 'nowrap', text: part })]);
}

async function checkHealth() {
  try {
    const health = await api('GET', '/health');
    // The chosen model's own status when the API reports every model; else the default's.
    const own = state.model && health.models && health.models[state.model];
    const status = own ? own.status : health.status;
    if (status && status !== 'ok') {
      const reason = messageOf((own || health).load_error ?? health.error ?? health.message);
      setStatus('warn', `Ready, but the API reports "${status}"${reason ? `: ${reason}` : ''}.`);
    }
  } catch (err) {
    setStatus('warn', `Ready, but /health answered: ${err.message}`);
  }
}

function failed(err) {
  setStatus('error', err.status === 503 ? 'The model is not loaded.' : 'Not connected.');
  showAlert(err.message);
  $('retry').hidden = false;
}

// Builds the form and the batch tab for the chosen model; the previous model's answers go away.
async function showModel(name) {
  state.model = name;
  setStatus('loading', 'Loading the model description…');
  $('result').hidden = true;
  $('batch-result').hidden = true;
  clearAlert('form-alert');
  let meta;
  try {
    meta = await api('GET', modelPath('/metadata'));
    if (!Array.isArray(meta.inputs)) throw new ApiError(200, 'bad_metadata', 'The API answered /metadata without a list of inputs.');
  } catch (err) {
    $('app').hidden = true;
    failed(err);
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
  openapi.href = `${state.apiUrl}${modelPath('/openapi.json')}`;
  openapi.hidden = false;
  setStatus('ok', `Ready: ${meta.name}, version ${shortVersion(meta.version)}.`);
  resetMonitoring();
  checkHealth();
}

async function start() {
  clearAlert();
  $('retry').hidden = true;
  $('app').hidden = true;
  setStatus('loading', 'Loading the model description…');
  let listing;
  try {
    state.apiUrl = await loadConfig();
    listing = await listModels();
  } catch (err) {
    failed(err);
    return;
  }
  if (listing.unknown) {
    const known = listing.models.map((model) => model.name).join(', ');
    showAlert(`This link names the model "${listing.unknown}", which the API does not serve; showing ${listing.chosen}. Models: ${known}.`);
  }
  renderPicker(listing.models, listing.chosen, showModel);
  await showModel(listing.chosen);
}

document.addEventListener('DOMContentLoaded', () => {
  setupTabs();
  setupMonitoring();
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
