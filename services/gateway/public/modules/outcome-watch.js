// Waits for the outcome of one voucher request: on the gateway's Server-Sent Events stream first, reopened with a
// fresh ticket if it drops, and by polling the request's status once the stream keeps failing.
import { sleep } from './format.js';

const OUTCOME_EVENTS = ['voucher', 'sms', 'failed'];
const EVENT_FOR_STATUS = { DELIVERED: 'voucher', SENT_BY_SMS: 'sms', FAILED: 'failed' };
const MAX_STREAM_ATTEMPTS = 4;
const POLL_MS = 2000;

/**
 * Calls onOutcome(name, data) exactly once, with name 'voucher', 'sms' or 'failed' and the gateway's event data.
 * Returns stop(), which ends the watch without an outcome (a new purchase, or signing out).
 */
export function watchOutcome({ client, requestId, authRequired, onOutcome }) {
  const base = `/voucher/requests/${encodeURIComponent(requestId)}`;
  let source;
  let stopped = false;
  let attempts = 0;

  function stop() {
    stopped = true;
    source?.close();
  }

  function finish(name, data) {
    if (stopped) return;
    stop();
    onOutcome(name, data);
  }

  // An EventSource cannot send the bearer token, so the stream is opened with a short-lived, one-use ticket.
  async function streamUrl() {
    if (!authRequired) return `${base}/events`;
    const { ticket } = await client(`${base}/stream-ticket`, { method: 'POST' });
    return `${base}/events?ticket=${encodeURIComponent(ticket)}`;
  }

  async function openStream() {
    attempts += 1;
    try {
      const url = await streamUrl();
      if (stopped) return;
      source = new EventSource(url);
      for (const name of OUTCOME_EVENTS) source.addEventListener(name, (event) => finish(name, JSON.parse(event.data)));
      // The stream ends after its one outcome; any other end is a drop. A ticket is single-use, so never let the
      // browser reconnect on its own: reopen with a new ticket, or fall back to polling.
      source.addEventListener('error', () => {
        source.close();
        void retry();
      });
    } catch (error) {
      if (error.status !== 401) void retry();
    }
  }

  async function retry() {
    if (stopped) return;
    await sleep(500 * attempts);
    if (stopped) return;
    if (attempts < MAX_STREAM_ATTEMPTS) void openStream();
    else void poll();
  }

  async function poll() {
    while (!stopped) {
      try {
        const view = await client(base);
        const name = EVENT_FOR_STATUS[view.status];
        if (name) return finish(name, view);
      } catch (error) {
        if (error.status === 401 || error.status === 404) return stop();
      }
      await sleep(POLL_MS);
    }
  }

  void openStream();
  return { stop };
}
