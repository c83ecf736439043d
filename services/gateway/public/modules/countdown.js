// The countdown to the bank's web promise, as a ring that empties and the seconds left.
import { show } from './format.js';

const TICK_MS = 200;

export function createCountdown({ root, ring, label }) {
  let timer;

  function render(remainingMs, totalMs) {
    // The ring's path length is 100, so the offset is the share of time already used, in percent.
    ring.setAttribute('stroke-dashoffset', String(100 - (remainingMs / totalMs) * 100));
    label.textContent = String(Math.ceil(remainingMs / 1000));
    root.setAttribute('aria-valuenow', label.textContent);
  }

  function stop() {
    clearInterval(timer);
    timer = undefined;
  }

  /** Counts down from `totalMs`; calls onExpired once when it reaches zero. */
  function start(totalMs, onExpired) {
    stop();
    const endsAt = Date.now() + totalMs;
    root.setAttribute('aria-valuemax', String(Math.ceil(totalMs / 1000)));
    show(root, true);
    render(totalMs, totalMs);
    timer = setInterval(() => {
      const remaining = Math.max(0, endsAt - Date.now());
      render(remaining, totalMs);
      if (remaining === 0) {
        stop();
        onExpired();
      }
    }, TICK_MS);
  }

  function hide() {
    stop();
    show(root, false);
  }

  return { start, stop, hide };
}
