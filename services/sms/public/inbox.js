// The simulator's inbox page: pick a number, see what was texted to it, newest first, refreshed every two seconds.
// Every value from the server is written with textContent, never as markup.
const REFRESH_MS = 2000;
const form = document.getElementById('pick-number');
const input = document.getElementById('phone-number');
const title = document.getElementById('inbox-title');
const status = document.getElementById('status');
const list = document.getElementById('messages');
const recentNumbers = document.getElementById('recent-numbers');
let selected = new URL(window.location.href).searchParams.get('phoneNumber') ?? '';
// The admin token (SMS_ADMIN_TOKEN), when the simulator needs one: open the page as /#token=... (a fragment is never sent).
const token = new window.URLSearchParams(window.location.hash.slice(1)).get('token');
const authorization = token ? { authorization: `Bearer ${token}` } : {};

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function fetchMessages(phoneNumber) {
  const query = phoneNumber ? `?phoneNumber=${encodeURIComponent(phoneNumber)}` : '?limit=200';
  const response = await fetch(`/api/messages${query}`, { headers: { accept: 'application/json', ...authorization } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail ?? `HTTP ${response.status}`);
  return body;
}

function showMessages(messages) {
  list.replaceChildren(
    ...messages.map((message) => {
      const item = element('li');
      item.append(
        element('div', 'meta', `${new Date(message.sentAt).toLocaleString()} to ${message.to}`),
        element('div', 'text', message.text),
      );
      return item;
    }),
  );
  status.textContent = messages.length === 0 ? 'No messages yet.' : '';
}

function showRecentNumbers(messages) {
  const numbers = [...new Set(messages.map((message) => message.to))].slice(0, 20);
  recentNumbers.replaceChildren(
    ...numbers.map((number) => {
      const item = element('li');
      const button = element('button', '', number);
      button.type = 'button';
      button.addEventListener('click', () => select(number));
      item.append(button);
      return item;
    }),
  );
}

async function refresh() {
  try {
    const latest = await fetchMessages('');
    showRecentNumbers(latest);
    showMessages(selected ? await fetchMessages(selected) : latest);
  } catch (error) {
    list.replaceChildren();
    status.textContent = error.message;
  }
}

function select(phoneNumber) {
  selected = phoneNumber.trim();
  input.value = selected;
  title.textContent = selected ? `Messages to ${selected}` : 'Latest messages';
  const url = new URL(window.location.href);
  if (selected) url.searchParams.set('phoneNumber', selected);
  else url.searchParams.delete('phoneNumber');
  window.history.replaceState(null, '', url);
  void refresh();
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  select(input.value);
});
document.getElementById('show-all').addEventListener('click', () => select(''));
select(selected);
setInterval(() => void refresh(), REFRESH_MS);
