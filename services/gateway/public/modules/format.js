// Small DOM and text helpers. Text from the server is only ever set with textContent, never parsed as markup.

/** Shows a phone number with only its country code and last three digits: +84•••••456. */
export function maskPhoneNumber(phoneNumber) {
  const text = String(phoneNumber ?? '').replace(/[\s().-]/g, '');
  if (text.length <= 6) return text;
  const head = text.startsWith('+') ? text.slice(0, 3) : '';
  return `${head}${'•'.repeat(text.length - head.length - 3)}${text.slice(-3)}`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDateTime = (iso) => dateFormat.format(new Date(iso));

/** Creates an element with an optional class and text. */
export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const byId = (id) => document.getElementById(id);

export function show(node, visible) {
  node.hidden = !visible;
}

/** Disables a button while its work runs, and tells assistive technology that the region is busy. */
export function setBusy(button, busy, busyLabel) {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
  if (busyLabel) {
    button.dataset.label ??= button.textContent;
    button.textContent = busy ? busyLabel : button.dataset.label;
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
