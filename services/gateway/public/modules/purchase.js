// The "Buy a voucher" card: sends the request, counts down to the web deadline, and shows what happened: the code,
// word that it comes by SMS, or the failure.
import { createCountdown } from './countdown.js';
import { byId, setBusy, show, sleep } from './format.js';
import { customerMessage, texts } from './messages.js';
import { watchOutcome } from './outcome-watch.js';

const MAX_SEND_ATTEMPTS = 3;
const RETRYABLE = new Set([0, 502, 503, 504]);

/** getPhoneNumber: the number as the customer typed it (sent to the API); getDisplayNumber: as the bank knows it. */
export function createPurchase({ client, authRequired, webDeadlineMs, getPhoneNumber, getDisplayNumber, onSettled }) {
  const buy = byId('buy');
  const status = byId('status-message');
  const codeBox = byId('code-box');
  const code = byId('voucher-code');
  const copy = byId('copy-code');
  const countdown = createCountdown({ root: byId('countdown'), ring: byId('countdown-ring'), label: byId('countdown-seconds') });
  let watch;
  let purchase = 0; // the current purchase; answers to an older one are ignored

  function say(text, tone = 'info') {
    status.textContent = text;
    status.dataset.tone = tone;
  }

  /** Posts the request; on a network error or 5xx it retries with the same Idempotency-Key, so nothing is bought twice. */
  async function sendRequest(idempotencyKey, isCurrent) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await client('/voucher', {
          method: 'POST',
          body: { phoneNumber: getPhoneNumber() },
          headers: { 'idempotency-key': idempotencyKey },
        });
      } catch (error) {
        if (!RETRYABLE.has(error.status) || attempt === MAX_SEND_ATTEMPTS || !isCurrent()) throw error;
        say(texts.purchase.retrying);
        await sleep(Math.min(error.retryAfterSeconds ?? attempt, 5) * 1000);
      }
    }
  }

  // Focus moves only if it was lost (the busy button was disabled under it), never away from what the customer is doing.
  function focusIfLost(target) {
    if (document.activeElement === document.body || document.activeElement === buy) target.focus();
  }

  function showOutcome(name, data) {
    countdown.hide();
    setBusy(buy, false);
    if (name === 'voucher') {
      code.textContent = data.voucherCode;
      code.dataset.requestId = data.requestId;
      show(codeBox, true);
      say(data.message || texts.purchase.ready, 'success');
      focusIfLost(copy);
    } else {
      say(
        name === 'sms' ? texts.purchase.smsSent(getDisplayNumber()) : data.message || texts.purchase.failed,
        name === 'sms' ? 'info' : 'error',
      );
      focusIfLost(buy);
    }
    onSettled(data.requestId);
  }

  function reset() {
    purchase += 1;
    watch?.stop();
    countdown.hide();
    show(codeBox, false);
    code.textContent = '';
    delete code.dataset.requestId;
    delete status.dataset.requestId;
    say('');
  }

  async function start() {
    reset();
    const mine = purchase;
    const isCurrent = () => mine === purchase;
    setBusy(buy, true);
    say(texts.purchase.sending);
    let accepted;
    try {
      accepted = await sendRequest(window.crypto.randomUUID(), isCurrent);
    } catch (error) {
      if (!isCurrent()) return;
      say(customerMessage(error, 'buy', { authRequired }), 'error');
      setBusy(buy, false);
      focusIfLost(buy);
      return;
    }
    if (!isCurrent()) return;
    status.dataset.requestId = accepted.requestId;
    say(accepted.message);
    // Past the deadline the code will come by SMS: say so, free the button, and keep listening for the confirmation.
    countdown.start(webDeadlineMs, () => {
      countdown.hide();
      say(texts.purchase.smsLater(getDisplayNumber()));
      setBusy(buy, false);
      focusIfLost(buy);
    });
    watch = watchOutcome({ client, requestId: accepted.requestId, authRequired, onOutcome: showOutcome });
  }

  async function copyCode() {
    try {
      await navigator.clipboard.writeText(code.textContent);
      copy.textContent = texts.purchase.copied;
    } catch {
      // Clipboard refused (an insecure origin, say): select the code so the customer can copy it by hand.
      window.getSelection().selectAllChildren(code);
      copy.textContent = texts.purchase.copySelected;
    }
    setTimeout(() => (copy.textContent = texts.purchase.copy), 2500);
  }

  buy.addEventListener('click', () => void start());
  copy.addEventListener('click', () => void copyCode());
  return { reset };
}
