/** What the simulator has done since it started, for GET /admin/stats and the metrics. */
export interface Stats {
  requests: number;
  /** Answered 200 with a code within the ack mark. */
  immediate: number;
  /** Answered 202 with a challenge; the code follows by callback. */
  acknowledged: number;
  /** Retries with a known requestId, answered from memory. */
  replayed: number;
  /** Of those, retries of an acknowledged request whose callback time had passed: answered 200 with the code. */
  replayedWithCode: number;
  injectedErrors: number;
  injectedTimeouts: number;
  callbacksSent: number;
  /** Answered with a final status by the bank (a 3xx, or a 4xx other than 408 and 429): never retried. */
  callbacksRefused: number;
  /** Given up on when the retry window closed without the bank accepting it. */
  callbacksFailed: number;
  callbacksRetried: number;
  duplicateCallbacks: number;
  forgedCallbacks: number;
  /** Forged callbacks the bank answered 2xx: the bank accepted a code from an impostor. Must stay 0. */
  forgedCallbacksAccepted: number;
}

export function createStats(): Stats {
  return {
    requests: 0,
    immediate: 0,
    acknowledged: 0,
    replayed: 0,
    replayedWithCode: 0,
    injectedErrors: 0,
    injectedTimeouts: 0,
    callbacksSent: 0,
    callbacksRefused: 0,
    callbacksFailed: 0,
    callbacksRetried: 0,
    duplicateCallbacks: 0,
    forgedCallbacks: 0,
    forgedCallbacksAccepted: 0,
  };
}
