// The API client: config.json's URL, JSON in and out, one error type; a chosen model's routes.
import { state } from './state.js';

const TIMEOUT_MS = 30000;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export async function api(method, path, body) {
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

export async function loadConfig() {
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

// The chosen model's route (/models/{name}/predict), or the default model's (/predict) when the API lists none.
export function modelPath(route) {
  return state.model ? `/models/${encodeURIComponent(state.model)}${route}` : route;
}
