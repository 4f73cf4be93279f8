// The model picker: built from GET /models; the chosen model is in the URL (?model=name) so a link opens it.
import { api } from './api.js';
import { $, el, shortVersion } from './dom.js';

const PARAM = 'model';

// -> {models, chosen, unknown}: the API's models, the one the URL names (else the default), a name it lacks.
export async function listModels() {
  let listing;
  try {
    listing = await api('GET', '/models');
  } catch (err) {
    if (err.status === 404) return { models: [], chosen: null, unknown: null };  // an API from before /models
    throw err;
  }
  const models = Array.isArray(listing.models) ? listing.models : [];
  const names = models.map((model) => model.name);
  const wanted = new URLSearchParams(window.location.search).get(PARAM);
  const fallback = names.includes(listing.default) ? listing.default : names[0] ?? null;
  const chosen = wanted && names.includes(wanted) ? wanted : fallback;
  return { models, chosen, unknown: wanted && !names.includes(wanted) ? wanted : null };
}

export function renderPicker(models, chosen, onChange) {
  const picker = $('model-picker');
  picker.replaceChildren(...models.map((model) => el('option', {
    value: model.name,
    selected: model.name === chosen,
    text: `${model.name}${model.version ? ` (${shortVersion(model.version)})` : ''}${model.default ? ' · default' : ''}`,
  })));
  picker.onchange = () => {
    rememberInUrl(picker.value);
    onChange(picker.value);
  };
  $('picker').hidden = models.length < 2;
}

function rememberInUrl(name) {
  const url = new URL(window.location.href);
  url.searchParams.set(PARAM, name);
  window.history.replaceState(null, '', url);
}
