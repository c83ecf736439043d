// "Your vouchers": every code the customer bought, newest first, a page at a time.
import { byId, element, formatDateTime, setBusy, show, sleep } from './format.js';
import { customerMessage, texts } from './messages.js';

const PAGE_SIZE = 10;
const LISTING_ATTEMPTS = 6;
const LISTING_RETRY_MS = 1000;

function describe(voucher) {
  const { badge } = texts.history;
  if (voucher.status === 'FAILED') return { label: badge.failed, tone: 'error' };
  return voucher.channel === 'SMS' ? { label: badge.sms, tone: 'info' } : { label: badge.web, tone: 'success' };
}

function row(voucher) {
  const item = element('li', 'voucher-row');
  item.dataset.testid = 'voucher-row';
  item.dataset.requestId = voucher.requestId;
  const { label, tone } = describe(voucher);
  const badge = element('span', 'badge', label);
  badge.dataset.tone = tone;
  const when = element('time', 'row-date', formatDateTime(voucher.issuedAt));
  when.dateTime = voucher.issuedAt;
  item.append(element('span', 'row-code', voucher.voucherCode ?? '—'), badge, when);
  return item;
}

/** onPhoneNumber receives the number as the bank knows it (E.164), for display. */
export function createHistory({ client, getPhoneNumber, onPhoneNumber }) {
  const list = byId('voucher-list');
  const note = byId('history-note');
  const loadMore = byId('load-more');
  let cursor = null;
  let generation = 0; // a reload makes answers to earlier requests stale

  async function fetchPage(after) {
    const query = new URL('/voucher', window.location.origin);
    query.searchParams.set('phoneNumber', getPhoneNumber());
    query.searchParams.set('limit', String(PAGE_SIZE));
    if (after) query.searchParams.set('cursor', after);
    return client(`${query.pathname}${query.search}`);
  }

  async function load(append) {
    const mine = ++generation;
    setBusy(loadMore, true, texts.history.loading);
    list.setAttribute('aria-busy', 'true');
    try {
      const page = await fetchPage(append ? cursor : null);
      if (mine !== generation) return;
      onPhoneNumber(page.phoneNumber);
      const rows = page.vouchers.map(row);
      if (append) list.append(...rows);
      else list.replaceChildren(...rows);
      cursor = page.nextCursor ?? null;
      note.textContent = list.childElementCount === 0 ? texts.history.empty : '';
    } catch (error) {
      if (mine === generation) note.textContent = customerMessage(error, 'history');
    } finally {
      if (mine === generation) {
        list.setAttribute('aria-busy', 'false');
        setBusy(loadMore, false, texts.history.loading);
        show(loadMore, cursor !== null);
      }
    }
  }

  function clear() {
    generation += 1;
    cursor = null;
    list.replaceChildren();
    note.textContent = '';
    show(loadMore, false);
  }

  const isListed = (requestId) => [...list.children].some((item) => item.dataset.requestId === requestId);

  /**
   * Reloads until a new request shows up: voucher-service stores the outcome from the same Kafka message the gateway
   * delivered to the page, so it can lag a moment behind what the customer already saw.
   */
  async function reloadUntilListed(requestId) {
    for (let attempt = 1; attempt <= LISTING_ATTEMPTS; attempt += 1) {
      const mine = generation + 1;
      await load(false);
      if (mine !== generation || isListed(requestId)) return;
      await sleep(LISTING_RETRY_MS);
      if (mine !== generation) return; // a newer load (another purchase, sign-out) took over
    }
  }

  loadMore.addEventListener('click', () => void load(true));
  return { reload: () => load(false), reloadUntilListed, clear };
}
