/* global document, sessionStorage, history, location */
// The staff page of the support view: asks for the staff token once (kept in this tab's session storage), then shows
// one request's timeline from GET /admin/requests/{requestId}. Everything is written as text, never as HTML.
const TOKEN_KEY = 'support-view-token';
const $ = (id) => document.getElementById(id);

function showForms() {
  const hasToken = sessionStorage.getItem(TOKEN_KEY) !== null;
  $('token-form').hidden = hasToken;
  $('lookup-form').hidden = !hasToken;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
}

function render(timeline) {
  const steps = $('steps');
  steps.replaceChildren();
  for (const step of timeline.steps) {
    const row = document.createElement('tr');
    cell(row, step.at, 'time');
    cell(row, step.service);
    cell(row, step.step);
    cell(row, step.detail ?? '');
    steps.append(row);
  }
  const parts = $('parts');
  parts.replaceChildren();
  for (const part of timeline.parts) {
    const item = document.createElement('li');
    const facts = Object.entries(part.facts ?? {}).map(([name, value]) => `${name}: ${value}`);
    const words = [part.service, part.status, part.state, part.detail, ...facts].filter(Boolean);
    item.textContent = words.join(' · ');
    if (part.status === 'unavailable') item.className = 'unavailable';
    parts.append(item);
  }
  $('result').hidden = false;
}

async function lookUp(requestId) {
  $('status').textContent = 'Asking the services…';
  $('result').hidden = true;
  const response = await fetch(`/admin/requests/${encodeURIComponent(requestId)}`, {
    headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY)}`, accept: 'application/json' },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401 || response.status === 403) {
    sessionStorage.removeItem(TOKEN_KEY);
    showForms();
  }
  if (!response.ok) {
    $('status').textContent = `${response.status}: ${body.detail ?? body.title ?? 'the view could not answer'}`;
    return;
  }
  $('status').textContent = `Request ${body.requestId}`;
  render(body);
}

$('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
  $('token').value = '';
  showForms();
});
$('lookup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const requestId = $('request-id').value.trim();
  history.replaceState(null, '', `#${requestId}`);
  lookUp(requestId).catch((error) => ($('status').textContent = `The view could not be reached: ${error.message}`));
});
$('forget-token').addEventListener('click', () => {
  sessionStorage.removeItem(TOKEN_KEY);
  showForms();
});

showForms();
const linked = location.hash.slice(1);
if (linked) {
  $('request-id').value = linked;
  if (sessionStorage.getItem(TOKEN_KEY) !== null) $('lookup-form').requestSubmit();
}
