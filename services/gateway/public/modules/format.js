// Small DOM and text helpers. Text from the server is only ever set with textContent, never parsed as markup.

/**
 * Shows a phone number by its last three digits only, always in the same form (•••••••456), whether the customer
 * typed it nationally (0909123456) or the bank answered with E.164 (+84909123456): one number, one look, everywhere.
 */
export function maskPhoneNumber(phoneNumber) {
  const digits = String(phoneNumber ?? '').replace(/\D/g, '');
  return `•••••••${digits.slice(-3)}`;
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

/**
 * Shows (or, with an empty text, clears) the error of one form field: the message in its element, and the field
 * marked aria-invalid and described by that message, so assistive technology announces both together.
 */
export function setFieldError(input, message, text) {
  message.textContent = text;
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    const described = new Set((input.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean));
    described.add(message.id);
    input.setAttribute('aria-describedby', [...described].join(' '));
  } else {
    input.removeAttribute('aria-invalid');
  }
}

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
