// The Monitoring tab: the monitor's latest report of the chosen model (GET /models/{name}/monitoring), drawn as
// charts with the same numbers in tables (monitoring_charts.js, shared with `make monitor`'s HTML report).
import { api, modelPath } from './api.js';
import { $ } from './dom.js';
import { reportMarkup } from './monitoring_charts.js';

let shownFor = null;

function show(markup) {
  const parsed = new DOMParser().parseFromString(`<div>${markup}</div>`, 'text/html');
  $('monitoring').replaceChildren(...parsed.body.firstChild.childNodes);
}

export async function loadMonitoring() {
  const path = modelPath('/monitoring');
  if (shownFor === path) return;
  shownFor = path;
  $('monitoring').setAttribute('aria-busy', 'true');
  $('monitoring').textContent = 'Loading the monitoring report…';
  try {
    show(reportMarkup(await api('GET', path)));
  } catch (err) {
    shownFor = null;  // try again next time the tab opens
    $('monitoring').textContent = err.code === 'no_report'
      ? `${err.message}.`
      : `The monitoring report could not be loaded: ${err.message}`;
  } finally {
    $('monitoring').setAttribute('aria-busy', 'false');
  }
}

// Another model was chosen: its report is loaded when the tab is next shown (or now, if it is showing).
export function resetMonitoring() {
  shownFor = null;
  if (!$('panel-monitoring').hidden) loadMonitoring();
}

export function setupMonitoring() {
  $('tab-monitoring').addEventListener('click', loadMonitoring);
  $('tab-monitoring').addEventListener('focus', loadMonitoring);
}
