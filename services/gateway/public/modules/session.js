// The signed-in customer, kept in sessionStorage (gone when the tab closes; never in the URL or in localStorage).

const KEY = 'saigon-bank.voucher-session';

/** @returns {{phoneNumber: string, accessToken: string | null, expiresAt: number | null} | null} */
export function loadSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (!session || typeof session.phoneNumber !== 'string') return null;
    if (session.expiresAt !== null && session.expiresAt <= Date.now()) return clearSession();
    return session;
  } catch {
    return clearSession();
  }
}

export function saveSession(session) {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
  return null;
}
