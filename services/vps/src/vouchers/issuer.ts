import type { Logger } from '@voucher/platform/logging';
import { bindToCurrentContext } from '@voucher/platform/telemetry';
import { VpsErrors } from '../errors.ts';
import type { Faults } from '../faults.ts';
import type { Random } from '@voucher/platform/random';
import type { Scheduler } from '../scheduler/scheduler.ts';
import type { Stats } from '../stats.ts';
import { drawLatency, type Timings, type Traffic } from '../traffic.ts';
import type { CallbackPayload, CallbackSender } from './callback-sender.ts';
import { VpsMessages } from './messages.ts';
import { codeChallengeFor, createCodeVerifier, type TransformMethod } from './pkce.ts';
import type { Journal, JournalEntry } from './journal.ts';
import type { RequestMemory } from './request-memory.ts';
import { generateVoucherCode } from './voucher-code.ts';

export interface IssueRequest {
  phoneNumber: string;
  callbackUrl: string;
  requestId?: string;
}

export type VoucherAnswer =
  | { statusCode: 200; body: { status: 'SUCCESS' | 'LATE_SUCCESS'; voucherCode: string; message: string } }
  | { statusCode: 202; body: { codeChallenge: string; transformMethod: TransformMethod; message: string } };

/** One voucher request being worked on; its answer settles at the latency draw or at the ack mark. */
export interface Job {
  request: IssueRequest;
  answer: Promise<VoucherAnswer>;
  /** For an acknowledged request, once its callback time has come: the code, as a retry of the request now gets it. */
  issued?: VoucherAnswer;
}

export interface IssuerDependencies {
  timings: Timings;
  transformMethod: TransformMethod;
  traffic: Traffic;
  faults: Faults;
  scheduler: Scheduler;
  callbacks: CallbackSender;
  memory: RequestMemory<Job>;
  journal: Journal;
  random: Random;
  stats: Stats;
  logger: Logger;
}

/**
 * The simulated VPS itself: draws how long each code takes, answers with the code when it is ready within the ack
 * mark, otherwise acknowledges at the ack mark with a PKCE challenge and calls the bank back when the code is ready.
 * Every timed step goes through the one scheduler.
 */
export class VoucherIssuer {
  /** The current traffic profile; PUT /admin/traffic changes it for requests that arrive afterwards. */
  traffic: Traffic;
  #awaitingAnswer = 0;
  #awaitingCallback = 0;
  readonly #deps: IssuerDependencies;

  constructor(deps: IssuerDependencies) {
    this.#deps = deps;
    this.traffic = deps.traffic;
  }

  /** Requests whose HTTP answer is not due yet. */
  get awaitingAnswer(): number {
    return this.#awaitingAnswer;
  }

  /** Acknowledged requests whose callback has not been settled yet. */
  get awaitingCallback(): number {
    return this.#awaitingCallback;
  }

  /**
   * The answer for a request. A retry with a known requestId never gets a second code: while the first request's code
   * is not ready it gets the same answer (the same challenge, and still a single callback); once the callback time has
   * come it gets the code itself, 200 with the status the callback carries (SUCCESS or LATE_SUCCESS), whether or not
   * the callback got through.
   */
  issue(request: IssueRequest): Promise<VoucherAnswer> {
    const { memory, stats } = this.#deps;
    if (request.requestId === undefined) return this.#start(request).answer;
    const known = memory.get(request.requestId);
    if (known) {
      if (known.request.phoneNumber !== request.phoneNumber || known.request.callbackUrl !== request.callbackUrl) {
        throw VpsErrors.REQUEST_ID_REUSED('This requestId was already used for a different phoneNumber or callbackUrl.');
      }
      stats.replayed++;
      if (!known.issued) return known.answer;
      stats.replayedWithCode++;
      return Promise.resolve(known.issued);
    }
    const job = this.#start(request);
    memory.set(request.requestId, job);
    return job.answer;
  }

  /**
   * A request remembered from before a restart: answered, acknowledged and called back exactly as it was first drawn
   * (what is already due happens at once, so a callback that may not have got through is sent again).
   */
  restore(entry: JournalEntry): void {
    const request = { phoneNumber: entry.phoneNumber, callbackUrl: entry.callbackUrl, requestId: entry.requestId };
    this.#deps.memory.set(entry.requestId, this.#start(request, entry));
  }

  #start(request: IssueRequest, remembered?: JournalEntry): Job {
    const { timings, scheduler, random, stats } = this.#deps;
    const arrivedAt = remembered?.arrivedAt ?? Date.now();
    const latencyMs = remembered?.latencyMs ?? drawLatency(this.traffic, timings, random);
    const voucherCode = remembered?.voucherCode ?? generateVoucherCode();
    const codeVerifier = latencyMs <= timings.ackAfterMs ? undefined : (remembered?.codeVerifier ?? createCodeVerifier());
    if (!remembered && request.requestId !== undefined) {
      const transformMethod = codeVerifier ? this.#deps.transformMethod : undefined;
      this.#deps.journal.append({
        ...request,
        requestId: request.requestId,
        arrivedAt,
        latencyMs,
        voucherCode,
        codeVerifier,
        transformMethod,
      });
    }
    const { promise, resolve } = Promise.withResolvers<VoucherAnswer>();
    this.#awaitingAnswer++;
    const answer = (value: VoucherAnswer) => {
      this.#awaitingAnswer--;
      resolve(value);
    };
    const job: Job = { request, answer: promise };
    if (latencyMs <= timings.ackAfterMs) {
      scheduler.at(arrivedAt + latencyMs, () => {
        stats.immediate++;
        answer({ statusCode: 200, body: { status: 'SUCCESS', voucherCode, message: VpsMessages.ready } });
      });
    } else {
      const transformMethod = remembered?.transformMethod ?? this.#deps.transformMethod;
      this.#acknowledge(job, { arrivedAt, latencyMs, voucherCode, codeVerifier: codeVerifier!, transformMethod }, answer);
    }
    return job;
  }

  #acknowledge(
    job: Job,
    drawn: { arrivedAt: number; latencyMs: number; voucherCode: string; codeVerifier: string; transformMethod: TransformMethod },
    answer: (value: VoucherAnswer) => void,
  ): void {
    const { timings, scheduler, stats } = this.#deps;
    const { arrivedAt, latencyMs, voucherCode, codeVerifier, transformMethod } = drawn;
    const codeChallenge = codeChallengeFor(codeVerifier, transformMethod);
    this.#awaitingCallback++;
    scheduler.at(arrivedAt + timings.ackAfterMs, () => {
      stats.acknowledged++;
      answer({ statusCode: 202, body: { codeChallenge, transformMethod, message: VpsMessages.processing } });
    });
    const onTime = latencyMs <= timings.webDeadlineMs;
    const payload: CallbackPayload = onTime
      ? { codeVerifier, status: 'SUCCESS', voucherCode, message: VpsMessages.ready }
      : { codeVerifier, status: 'LATE_SUCCESS', voucherCode, message: VpsMessages.late };
    // Bound to the request's trace, as a timer of its own would be: the callback is sent as part of it (traceparent).
    scheduler.at(
      arrivedAt + latencyMs,
      bindToCurrentContext(() => {
        job.issued = { statusCode: 200, body: { status: payload.status, voucherCode, message: payload.message } };
        this.#callBack(job.request.callbackUrl, payload);
      }),
    );
  }

  #callBack(callbackUrl: string, payload: CallbackPayload): void {
    const { faults, callbacks, stats } = this.#deps;
    const injected = faults.forCallback();
    // The impostor goes first, so a bank that burns the challenge on a mismatch would then refuse the genuine code.
    if (injected.forged) this.#sendForged(callbackUrl, payload);
    void callbacks.send(callbackUrl, payload).then(() => this.#awaitingCallback--);
    if (injected.duplicate) {
      stats.duplicateCallbacks++;
      void callbacks.send(callbackUrl, payload);
    }
  }

  /** A callback from someone who knows the URL but not the verifier, trying to plant a code of their own. */
  #sendForged(callbackUrl: string, genuine: CallbackPayload): void {
    const { callbacks, stats, logger } = this.#deps;
    stats.forgedCallbacks++;
    const forged = { ...genuine, codeVerifier: createCodeVerifier(), voucherCode: generateVoucherCode() };
    void callbacks.send(callbackUrl, forged).then((outcome) => {
      if (outcome !== 'sent') return;
      stats.forgedCallbacksAccepted++;
      logger.error('the bank accepted a forged callback with a wrong code verifier');
    });
  }
}
