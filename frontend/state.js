// What the page knows now: the API's URL, the chosen model (null: the API's default routes) and its model.json.
export const state = { apiUrl: '', model: null, meta: null, controls: new Map() };
