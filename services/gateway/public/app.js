// Saigon Bank — Vouchers: the customer's page. Wires sign-in, buying and the list of codes together; each part lives
// in its own module under ./modules/. No framework and no build step; nothing inline, so a strict CSP applies.
import { api, createClient } from './modules/api.js';
import { byId, maskPhoneNumber, show } from './modules/format.js';
import { createHistory } from './modules/history.js';
import { texts } from './modules/messages.js';
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
  onUnauthorized: () => signOut(texts.account.sessionEnded),
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
    expiryTimer = setTimeout(() => signOut(texts.account.sessionEnded), session.expiresAt - Date.now());
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
  byId('account-label').textContent = texts.account.openAccessLabel;
  byId('sign-out').textContent = texts.account.changeNumber;
}

byId('promise').textContent = texts.purchase.promise(config.webDeadlineMs);
byId('sign-out').addEventListener('click', () => signOut(config.authRequired ? texts.account.signedOut : ''));
if (session) enter();
else showSignedIn(false);
