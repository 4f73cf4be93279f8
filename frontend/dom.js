// Small DOM and formatting tools, and the page's status line, alerts and busy buttons.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
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
export const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
export const fmt = (value) => (typeof value === 'number' ? numberFormat.format(value) : String(value));
export const shortVersion = (version) => String(version || '?').slice(0, 12);

export function setStatus(kind, text) {
  $('api-status').dataset.state = kind;
  $('api-status-text').textContent = text;
}

export function showAlert(message, items = [], id = 'alert') {
  const alert = $(id);
  alert.replaceChildren(el('p', { text: message }));
  if (items.length) alert.append(el('ul', {}, ...items.map((item) => el('li', { text: item }))));
  alert.hidden = false;
}

export function clearAlert(id = 'alert') {
  $(id).hidden = true;
  $(id).replaceChildren();
}

export function setBusy(button, busy, text) {
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = text;
  } else if (button.dataset.label) {
    button.textContent = button.dataset.label;
  }
  button.disabled = busy;
  button.form.setAttribute('aria-busy', String(busy));
}
