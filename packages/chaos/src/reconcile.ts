import type { PageEvent } from '@voucher/platform/testing';
import type { SmsMessage } from './inbox.ts';
import type { Attempt } from './load.ts';
import type { StatusRecord, StoredRecord } from './settle.ts';

/** What reconciliation needs of a purchase (load.ts's Purchase has it all). */
export interface PurchaseView {
  key: string;
  e164: string;
  attempts: Attempt[];
  requestId?: string;
  page?: { events: PageEvent[] };
}

export interface ReceiveCodeRecord {
  requestId: string;
  phoneNumber: string;
  status: string;
  channel: string;
  voucherCode?: string;
}

export interface RequestCodeRecord {
  requestId: string;
  phoneNumber: string;
  requestedAt: string;
}

export interface DeadLetter {
  topic: string;
  reason: string;
  requestId?: string;
}

export interface Evidence {
  purchases: PurchaseView[];
  /** Epoch milliseconds of the load's start: attempts are timed from it. */
  loadStartedAt: number;
  statuses: Map<string, StatusRecord>;
  stored: Map<string, StoredRecord>;
  receiveCode: ReceiveCodeRecord[];
  requestCode: RequestCodeRecord[];
  deadLetters: DeadLetter[];
  sms: SmsMessage[];
  /** The codes the VPS handed the bank, per request. */
  vpsCodes: Map<string, Set<string>>;
  /** How the VPS handed over each code (for the report): answers, callback attempts and the bank's statuses. */
  vpsHandover?: Map<string, string>;
  /** When the VPS first handed over each code (epoch milliseconds). */
  vpsFirstHandover?: Map<string, number>;
  /** When the VPS simulator went down (epoch milliseconds): it forgets every request id then. */
  vpsRestarts?: number[];
}

export type ProblemKind = 'lost' | 'duplicated' | 'wrong-person' | 'stuck';

export interface Problem {
  kind: ProblemKind;
  requestId?: string;
  detail: string;
  /** A short label of what happened, to group the problems in the report. */
  cause: string;
}

export type Outcome = 'web' | 'sms' | 'failed' | 'lost' | 'stuck';

export interface Reconciliation {
  accepted: number;
  web: number;
  sms: number;
  failed: number;
  lost: number;
  duplicated: number;
  wrongPerson: number;
  stuck: number;
  outcomes: Map<string, Outcome>;
  problems: Problem[];
  /** Things worth knowing that are not failures by the issue's definitions. */
  notes: string[];
}

const CODE_IN_SMS = /Your voucher code: (\S+)/;
const FINAL = new Set(['DELIVERED', 'SENT_BY_SMS', 'FAILED']);
/** Phone numbers and codes are shown only in part, as the services' logs do. */
export const maskNumber = (e164: string) => `…${e164.slice(-3)}`;
export const maskCode = (code: string) => `${code.slice(0, 4)}…`;

type Source = 'topic' | 'voucher-service' | 'gateway' | 'page' | 'vps';

/**
 * Matches every accepted request against everything the run saw: its state at the gateway, the receive-code topic,
 * voucher-service's store, the SMS inbox, the page's stream and the codes the VPS handed over. Each accepted request
 * ends in one outcome (web, sms, failed, lost, stuck); duplicates and misdeliveries are counted as incidents.
 */
/**
 * The purchase whose unanswered attempt made a request that reached the broker: an attempt of the same number that was
 * in flight when the request was made (`at`, its requestedAt from the start of the load), and of those the one that
 * started nearest to it, since the gateway stamps a request when the attempt that creates it arrives. During an outage
 * several purchases of one number retry for seconds at a time, so the first overlapping attempt can be another
 * purchase's (seen in chaos seed 195001: a never-accepted purchase's request counted as a duplicate of an accepted one).
 */
function attemptThatMade(purchases: PurchaseView[], phoneNumber: string, at: number): PurchaseView | undefined {
  let best: { purchase: PurchaseView; distance: number } | undefined;
  for (const purchase of purchases) {
    if (purchase.e164 !== phoneNumber) continue;
    for (const attempt of purchase.attempts) {
      if (attempt.requestId || at < attempt.startedAt - 1_000 || at > attempt.endedAt + 1_000) continue;
      const distance = Math.abs(at - attempt.startedAt);
      if (!best || distance < best.distance) best = { purchase, distance };
    }
  }
  return best?.purchase;
}

export function reconcile(evidence: Evidence): Reconciliation {
  const problems: Problem[] = [];
  const notes: string[] = [];
  const flagged = new Set<string>();
  const flag = (kind: ProblemKind, requestId: string | undefined, detail: string, cause = detail) => {
    const key = `${kind}|${requestId}|${detail}`;
    if (flagged.has(key)) return;
    flagged.add(key);
    problems.push({ kind, requestId, detail, cause });
  };
  const since = (ms: number) => `+${((ms - evidence.loadStartedAt) / 1000).toFixed(1)} s`;
  /** A VPS restart between two codes' hand-overs: it forgot the request id and answered the second ask with a new code. */
  const restartBetween = (first: string, second: string | null | undefined): number | undefined => {
    const from = evidence.vpsFirstHandover?.get(first);
    const to = second ? evidence.vpsFirstHandover?.get(second) : undefined;
    if (from === undefined || to === undefined) return undefined;
    const [low, high] = from < to ? [from, to] : [to, from];
    return evidence.vpsRestarts?.find((at) => at > low && at < high);
  };

  const accepted = evidence.purchases.filter((purchase) => purchase.requestId);
  const acceptedIds = new Set(accepted.map((purchase) => purchase.requestId!));
  const ownerOf = new Map<string, string>();
  for (const record of evidence.requestCode) ownerOf.set(record.requestId, record.phoneNumber);
  for (const purchase of accepted) ownerOf.set(purchase.requestId!, purchase.e164);

  // One purchase, one request id: every 202 for the same Idempotency-Key must name the same request.
  for (const purchase of evidence.purchases) {
    const ids = new Set(purchase.attempts.flatMap((attempt) => (attempt.requestId ? [attempt.requestId] : [])));
    if (ids.size > 1)
      flag(
        'duplicated',
        purchase.requestId,
        `purchase ${purchase.key} was answered with ${ids.size} request ids: ${[...ids].join(', ')}`,
        'one purchase, several request ids',
      );
  }

  // Every code, with where it was seen, per request.
  const codesOf = new Map<string, Map<string, Set<Source>>>();
  const requestsOfCode = new Map<string, Set<string>>();
  const addCode = (requestId: string, code: string, source: Source) => {
    const codes = codesOf.get(requestId) ?? new Map<string, Set<Source>>();
    codes.set(code, (codes.get(code) ?? new Set<Source>()).add(source));
    codesOf.set(requestId, codes);
    requestsOfCode.set(code, (requestsOfCode.get(code) ?? new Set<string>()).add(requestId));
  };
  for (const record of evidence.receiveCode) if (record.voucherCode) addCode(record.requestId, record.voucherCode, 'topic');
  for (const [id, stored] of evidence.stored)
    if (stored.httpStatus === 200 && stored.voucherCode) addCode(id, stored.voucherCode, 'voucher-service');
  for (const [id, status] of evidence.statuses) if (status.voucherCode) addCode(id, status.voucherCode, 'gateway');
  for (const purchase of accepted) {
    for (const event of purchase.page?.events ?? []) {
      if (typeof event.data.voucherCode === 'string') addCode(purchase.requestId!, event.data.voucherCode, 'page');
    }
  }
  for (const [id, codes] of evidence.vpsCodes) for (const code of codes) addCode(id, code, 'vps');
  const describe = (id: string) =>
    [...(codesOf.get(id) ?? new Map<string, Set<Source>>())]
      .map(([code, sources]) => `${maskCode(code)} (${[...sources].join(', ')})`)
      .join('; ');

  const smsOfCode = new Map<string, SmsMessage[]>();
  for (const message of evidence.sms) {
    const code = CODE_IN_SMS.exec(message.text)?.[1];
    if (code) smsOfCode.set(code, [...(smsOfCode.get(code) ?? []), message]);
  }

  // Codes no request owns, and records naming another customer than the request's.
  for (const [code, messages] of smsOfCode) {
    if (requestsOfCode.has(code)) continue;
    for (const message of messages)
      flag(
        'wrong-person',
        undefined,
        `SMS ${message.id} to ${maskNumber(message.to)} carries ${maskCode(code)}, which no request has`,
        'a texted code no request has',
      );
  }
  for (const record of evidence.receiveCode) {
    const owner = ownerOf.get(record.requestId);
    if (owner && record.phoneNumber !== owner) {
      flag(
        'wrong-person',
        record.requestId,
        `receive-code names ${maskNumber(record.phoneNumber)} for a request of ${maskNumber(owner)}`,
        'receive-code names another number',
      );
    }
  }
  for (const [code, ids] of requestsOfCode) {
    if (ids.size < 2) continue;
    const owners = new Set([...ids].map((id) => ownerOf.get(id) ?? '?'));
    flag(
      owners.size > 1 ? 'wrong-person' : 'duplicated',
      [...ids][0],
      `code ${maskCode(code)} belongs to ${ids.size} requests: ${[...ids].join(', ')}`,
      'one code in several requests',
    );
  }

  const outcomes = new Map<string, Outcome>();
  for (const purchase of accepted) {
    const id = purchase.requestId!;
    const number = purchase.e164;
    const codes = [...(codesOf.get(id)?.keys() ?? [])];
    // A code only the VPS ever saw is not a second code inside the bank: it is a lost one (below).
    const bankCodes = [...(codesOf.get(id) ?? new Map<string, Set<Source>>())].filter(([, sources]) =>
      [...sources].some((s) => s !== 'vps'),
    );
    if (bankCodes.length > 1) {
      const restart = restartBetween(bankCodes[0]![0], bankCodes[1]![0]);
      const across = restart === undefined ? '' : `; the VPS was restarted in between (${since(restart)}) and forgot the request id`;
      const cause = `two codes for one request${across ? ' (VPS restarted before the bank asked again)' : ''}`;
      flag('duplicated', id, `one request, ${bankCodes.length} codes: ${describe(id)}${across}`, cause);
    }
    const stored = evidence.stored.get(id);
    if (stored?.httpStatus === 200 && stored.phoneNumber !== number) {
      flag(
        'wrong-person',
        id,
        `voucher-service stored it for ${maskNumber(stored.phoneNumber ?? '?')}, not ${maskNumber(number)}`,
        'stored for another number',
      );
    }
    const texts = codes.flatMap((code) => smsOfCode.get(code) ?? []);
    for (const message of texts.filter((m) => m.to !== number)) {
      flag(
        'wrong-person',
        id,
        `its code was texted to ${maskNumber(message.to)} instead of ${maskNumber(number)} (SMS ${message.id})`,
        'texted to another number',
      );
    }
    const textsToOwner = texts.filter((message) => message.to === number);
    if (textsToOwner.length > 1)
      flag(
        'duplicated',
        id,
        `its code was texted ${textsToOwner.length} times (SMS ${textsToOwner.map((m) => m.id).join(', ')})`,
        'texted twice',
      );
    const pageCode = purchase.page?.events.find((event) => event.event === 'voucher')?.data.voucherCode as string | undefined;
    if (pageCode && textsToOwner.length > 0)
      flag('duplicated', id, 'its code was shown on the page and texted as well', 'shown and texted');

    const status = evidence.statuses.get(id);
    let outcome: Outcome;
    if (!status || status.httpStatus !== 200) {
      outcome = 'lost';
      flag(
        'lost',
        id,
        `the gateway answers ${status?.httpStatus || 'nothing'} for an accepted request`,
        'the gateway does not answer for an accepted request',
      );
    } else if (!FINAL.has(status.status ?? '')) {
      outcome = 'stuck';
      flag('stuck', id, `still ${status.status} at the end of the wait (codes: ${describe(id) || 'none'})`, `still ${status.status}`);
    } else if (status.status === 'DELIVERED') {
      outcome = pageCode !== undefined && pageCode === status.voucherCode ? 'web' : 'lost';
      if (outcome === 'lost')
        flag('lost', id, `DELIVERED, but the ${purchase.page ? 'open page never received' : 'customer had no page to see'} its code`);
    } else if (status.status === 'SENT_BY_SMS') {
      outcome = textsToOwner.length > 0 ? 'sms' : 'lost';
      if (outcome === 'lost')
        flag(
          'lost',
          id,
          `SENT_BY_SMS, but no SMS to the customer carries its code (codes: ${describe(id) || 'none'})`,
          'SENT_BY_SMS without the SMS',
        );
    } else if (codes.length === 0) outcome = 'failed';
    else if (textsToOwner.length > 0) outcome = 'sms';
    else if (pageCode !== undefined) outcome = 'web';
    else {
      outcome = 'lost';
      flag(
        'lost',
        id,
        `FAILED, but a code was issued and never reached the customer: ${describe(id)}`,
        'FAILED although a code was issued',
      );
    }
    if ((outcome === 'web' || outcome === 'sms') && stored?.httpStatus !== 200) {
      outcome = 'lost';
      flag(
        'lost',
        id,
        `the customer got a code but voucher-service has no record of it (answers ${stored?.httpStatus || 'nothing'})`,
        'not stored by voucher-service',
      );
    } else if ((outcome === 'web' || outcome === 'sms') && !stored?.voucherCode) {
      outcome = 'lost';
      flag(
        'lost',
        id,
        `the customer got a code, but voucher-service stored ${stored?.status} without one: the code is in no store`,
        `delivered but stored as ${stored?.status}`,
      );
    }
    // Every code the VPS handed over must be on receive-code or in voucher-service's store.
    const kept = new Set([stored?.voucherCode, ...evidence.receiveCode.filter((r) => r.requestId === id).map((r) => r.voucherCode)]);
    const dropped = [...(evidence.vpsCodes.get(id) ?? [])].filter((code) => !kept.has(code));
    if (dropped.length > 0 && outcome !== 'lost' && outcome !== 'stuck') {
      const got = outcome === 'web' || outcome === 'sms' ? `the customer got another code (${outcome})` : `the request ended ${outcome}`;
      outcome = 'lost';
      const how = dropped.map((code) => `${maskCode(code)}: ${evidence.vpsHandover?.get(code) ?? 'handed over'}`).join('; ');
      const restart = restartBetween(dropped[0]!, stored?.voucherCode);
      const across = restart === undefined ? '' : `; the VPS was restarted in between (${since(restart)}) and forgot the request id`;
      const via = (evidence.vpsHandover?.get(dropped[0]!) ?? '').startsWith('answer') ? 'an answer' : 'a callback';
      flag(
        'lost',
        id,
        `the VPS handed over a code that is in no store (${how}); ${got}${across}`,
        `a code the VPS handed over in ${via} is in no store${across ? ' (VPS restarted before the bank asked again)' : ''}`,
      );
    }
    const published = new Set(
      evidence.receiveCode
        .filter((record) => record.requestId === id)
        .map((r) => `${r.status}${r.voucherCode ? ` ${maskCode(r.voucherCode)}` : ''}`),
    );
    if (published.size > 1)
      notes.push(`${id}: receive-code holds ${published.size} different outcomes (${[...published].join(', ')}); it ended ${outcome}`);
    if (outcome === 'failed' && stored?.httpStatus !== 200 && !evidence.receiveCode.some((record) => record.requestId === id)) {
      notes.push(`${id}: FAILED by the gateway's own overdue sweep; no outcome was ever published for it`);
    }
    outcomes.set(id, outcome);
  }

  // Requests the broker took that no customer was ever given (an attempt that answered 503 or never answered).
  for (const record of evidence.requestCode) {
    if (acceptedIds.has(record.requestId)) continue;
    const at = Date.parse(record.requestedAt) - evidence.loadStartedAt;
    const purchase = attemptThatMade(evidence.purchases, record.phoneNumber, at);
    const texted = [...(codesOf.get(record.requestId)?.keys() ?? [])].flatMap((code) => smsOfCode.get(code) ?? []);
    const fate = texted.length > 0 ? 'its code was texted to the customer' : 'no code reached anyone';
    if (!purchase) {
      if (texted.length > 0)
        flag(
          'duplicated',
          record.requestId,
          `request ${record.requestId} matches no customer's attempt, yet ${fate}`,
          'a request nobody asked for was delivered',
        );
      else notes.push(`${record.requestId}: on request-code but matches no customer's attempt; ${fate}`);
    } else if (purchase.requestId && texted.length > 0) {
      flag(
        'duplicated',
        purchase.requestId,
        `purchase ${purchase.key} was accepted as ${purchase.requestId} and also processed as ${record.requestId} (an attempt that was refused); ${fate}`,
        'one purchase processed twice',
      );
    } else {
      notes.push(`purchase ${purchase.key}: an attempt answered without a request id was processed anyway as ${record.requestId}; ${fate}`);
    }
  }

  const deadLetterTopics = new Map<string, number>();
  for (const letter of evidence.deadLetters) deadLetterTopics.set(letter.topic, (deadLetterTopics.get(letter.topic) ?? 0) + 1);
  for (const [topic, count] of deadLetterTopics) {
    const reasons = [...new Set(evidence.deadLetters.filter((l) => l.topic === topic).map((l) => l.reason))].slice(0, 3);
    notes.push(`${count} dead letter(s) on ${topic}: ${reasons.join(' | ')}`);
  }

  const count = (outcome: Outcome) => [...outcomes.values()].filter((value) => value === outcome).length;
  return {
    accepted: accepted.length,
    web: count('web'),
    sms: count('sms'),
    failed: count('failed'),
    lost: count('lost'),
    stuck: count('stuck'),
    duplicated: problems.filter((problem) => problem.kind === 'duplicated').length,
    wrongPerson: problems.filter((problem) => problem.kind === 'wrong-person').length,
    outcomes,
    problems,
    notes,
  };
}

/** The one line the issue asks for. */
export const chaosLine = (r: Reconciliation) =>
  `chaos: accepted ${r.accepted}, delivered-web ${r.web}, delivered-sms ${r.sms}, failed ${r.failed}, lost ${r.lost}, ` +
  `duplicated ${r.duplicated}, wrong-person ${r.wrongPerson}, stuck ${r.stuck}`;
