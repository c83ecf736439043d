// Saigon Bank — Vouchers: the customer's page. Wires sign-in, buying and the list of codes together; each part lives
// in its own module under ./modules/. No framework and no build step; nothing inline, so a strict CSP applies.
import { api, createClient } from './modules/api.js';
import { byId, maskPhoneNumber, show } from './modules/format.js';
import { createHistory } from './modules/history.js';
import { createPurchase } from './modules/purchase.js';
import { clearSession, loadSession, saveSession } from './modules/session.js';
import { createSignIn } from './modules/sign-in.js';

const DEFAULT_CONFIG = { authRequired: true, webDeadlineMs: 30_000 };

async function loadAppConfig() {
  try {
    return { ...DEFAULT_CONFIG, ...(await api('/app-config.json')) };
  } catch {
    return DEFAULT_CONFIG;
  }
}

const config = await loadAppConfig();
let session = loadSession();
let expiryTimer;
const notice = byId('notice');

const client = createClient({
  getToken: () => session?.accessToken ?? null,
  onUnauthorized: () => signOut('Your session has ended. Please sign in again.'),
});
const getPhoneNumber = () => session?.phoneNumber ?? '';
let displayNumber = ''; // E.164 once the bank has answered with it; until then as typed
const showAccountNumber = (phoneNumber) => {
  displayNumber = phoneNumber;
  byId('account-number').textContent = maskPhoneNumber(phoneNumber);
};
const history = createHistory({ client, getPhoneNumber, onPhoneNumber: showAccountNumber });
const purchase = createPurchase({
  client,
  authRequired: config.authRequired,
  webDeadlineMs: config.webDeadlineMs,
  getPhoneNumber,
  getDisplayNumber: () => displayNumber,
  onSettled: (requestId) => void history.reloadUntilListed(requestId),
});
const signIn = createSignIn({ authRequired: config.authRequired, onSignedIn });

function showSignedIn(signedIn) {
  show(byId('sign-in-card'), !signedIn);
  show(byId('account'), signedIn);
  show(byId('signed-in'), signedIn);
}

function enter() {
  notice.textContent = '';
  showAccountNumber(session.phoneNumber);
  showSignedIn(true);
  clearTimeout(expiryTimer);
  if (session.expiresAt !== null) {
    expiryTimer = setTimeout(() => signOut('Your session has ended. Please sign in again.'), session.expiresAt - Date.now());
  }
  void history.reload();
}

function onSignedIn(newSession) {
  session = saveSession(newSession);
  enter();
  byId('buy-title').focus(); // tell screen-reader users where they are now
}

function signOut(message = '') {
  session = clearSession();
  clearTimeout(expiryTimer);
  purchase.reset();
  history.clear();
  showSignedIn(false);
  notice.textContent = message;
  signIn.reset();
}

// With sign-in switched off nobody is signed in: the header says so, and "Sign out" only forgets the number.
if (!config.authRequired) {
  byId('account-label').textContent = 'Open access (sign-in disabled) · buying for';
  byId('sign-out').textContent = 'Change number';
}

const seconds = Math.round(config.webDeadlineMs / 1000);
byId('promise').textContent =
  `Your code appears here within ${seconds} seconds. If it takes longer, we send it to your phone by SMS, so it is never lost.`;
byId('sign-out').addEventListener('click', () => signOut(config.authRequired ? 'You have signed out.' : ''));
if (session) enter();
else showSignedIn(false);
