import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosLine, reconcile, type Evidence, type PurchaseView } from '../src/reconcile.ts';

/**
 * The reconciliation on hand-made evidence: a clean run counts nothing against the system, and each kind of damage the
 * issue names (a loss, a duplicate, a misdelivery, a stuck request) is counted where it happened.
 */
const N1 = '+84901111111';
const N2 = '+84902222222';
const N3 = '+84903333333';
const R1 = '11111111-1111-4111-8111-111111111111';
const R2 = '22222222-2222-4222-8222-222222222222';
const R3 = '33333333-3333-4333-8333-333333333333';
const C1 = 'AAAA-BBBB-CCCC-DDDD';
const C2 = 'EEEE-FFFF-GGGG-HHHH';

const purchase = (key: string, e164: string, requestId: string, page?: PurchaseView['page']): PurchaseView => ({
  key,
  e164,
  requestId,
  attempts: [{ startedAt: 0, endedAt: 10, status: 202, requestId }],
  page,
});
const sms = (id: string, to: string, code?: string) => ({
  id,
  to,
  text: code
    ? `Thank you for using our services, your voucher code is ready. Your voucher code: ${code}`
    : 'We could not issue your voucher code.',
  sentAt: new Date().toISOString(),
});

/** One request delivered on the page (R1), one by SMS (R2), one failed (R3). */
function cleanEvidence(): Evidence {
  return {
    purchases: [
      purchase('k1', N1, R1, { events: [{ event: 'voucher', data: { requestId: R1, status: 'DELIVERED', voucherCode: C1 } }] }),
      purchase('k2', N2, R2),
      purchase('k3', N3, R3),
    ],
    loadStartedAt: Date.now(),
    statuses: new Map([
      [R1, { httpStatus: 200, status: 'DELIVERED', voucherCode: C1 }],
      [R2, { httpStatus: 200, status: 'SENT_BY_SMS' }],
      [R3, { httpStatus: 200, status: 'FAILED' }],
    ]),
    stored: new Map([
      [R1, { httpStatus: 200, phoneNumber: N1, voucherCode: C1, status: 'SUCCESS', channel: 'WEB' }],
      [R2, { httpStatus: 200, phoneNumber: N2, voucherCode: C2, status: 'LATE_SUCCESS', channel: 'SMS' }],
      [R3, { httpStatus: 200, phoneNumber: N3, voucherCode: null, status: 'FAILED', channel: 'WEB' }],
    ]),
    receiveCode: [
      { requestId: R1, phoneNumber: N1, status: 'SUCCESS', channel: 'WEB', voucherCode: C1 },
      { requestId: R2, phoneNumber: N2, status: 'LATE_SUCCESS', channel: 'SMS', voucherCode: C2 },
      { requestId: R3, phoneNumber: N3, status: 'FAILED', channel: 'WEB' },
    ],
    requestCode: [R1, R2, R3].map((requestId, i) => ({ requestId, phoneNumber: [N1, N2, N3][i]!, requestedAt: new Date().toISOString() })),
    deadLetters: [],
    sms: [sms('s1', N2, C2), sms('s2', N3)],
    vpsCodes: new Map([
      [R1, new Set([C1])],
      [R2, new Set([C2])],
    ]),
  };
}

test('a clean run: one on the web, one by SMS, one failed, nothing against the system', () => {
  const result = reconcile(cleanEvidence());
  assert.equal(
    chaosLine(result),
    'chaos: accepted 3, delivered-web 1, delivered-sms 1, failed 1, lost 0, duplicated 0, wrong-person 0, stuck 0',
  );
  assert.deepEqual(result.problems, []);
});

test('SENT_BY_SMS without any SMS carrying the code is lost', () => {
  const evidence = cleanEvidence();
  evidence.sms = evidence.sms.filter((message) => message.id !== 's1');
  const result = reconcile(evidence);
  assert.equal(result.lost, 1);
  assert.equal(result.outcomes.get(R2), 'lost');
});

test('DELIVERED whose page never received the code is lost', () => {
  const evidence = cleanEvidence();
  evidence.purchases[0]!.page = { events: [] };
  assert.equal(reconcile(evidence).outcomes.get(R1), 'lost');
});

test('FAILED although the VPS handed over a code that is in no store is lost', () => {
  const evidence = cleanEvidence();
  evidence.vpsCodes.set(R3, new Set(['ZZZZ-ZZZZ-ZZZZ-ZZZZ']));
  const result = reconcile(evidence);
  assert.equal(result.outcomes.get(R3), 'lost');
  assert.match(result.problems[0]!.detail, /never reached the customer/);
});

test('a code delivered but never stored by voucher-service is lost; an unknown request at the gateway too', () => {
  const evidence = cleanEvidence();
  evidence.stored.set(R2, { httpStatus: 404 });
  evidence.statuses.set(R3, { httpStatus: 404 });
  const result = reconcile(evidence);
  assert.equal(result.outcomes.get(R2), 'lost');
  assert.equal(result.outcomes.get(R3), 'lost');
  assert.equal(result.lost, 2);
});

test('a request still PROCESSING at the end is stuck', () => {
  const evidence = cleanEvidence();
  evidence.statuses.set(R3, { httpStatus: 200, status: 'PROCESSING' });
  const result = reconcile(evidence);
  assert.equal(result.stuck, 1);
  assert.equal(result.outcomes.get(R3), 'stuck');
});

test('duplicates: a code texted twice, shown and texted, two codes for one request, two request ids for one key', () => {
  const twice = cleanEvidence();
  twice.sms.push(sms('s3', N2, C2));
  assert.equal(reconcile(twice).duplicated, 1);

  const pageAndSms = cleanEvidence();
  pageAndSms.sms.push(sms('s3', N1, C1));
  assert.equal(reconcile(pageAndSms).duplicated, 1);

  const twoCodes = cleanEvidence();
  twoCodes.receiveCode.push({ requestId: R2, phoneNumber: N2, status: 'SUCCESS', channel: 'WEB', voucherCode: 'YYYY-YYYY-YYYY-YYYY' });
  assert.equal(reconcile(twoCodes).duplicated, 1);

  const twoIds = cleanEvidence();
  twoIds.purchases[2]!.attempts.push({ startedAt: 20, endedAt: 30, status: 202, requestId: R2 });
  assert.ok(reconcile(twoIds).problems.some((problem) => problem.kind === 'duplicated' && /2 request ids/.test(problem.detail)));
});

test('a refused attempt that was processed anyway, next to the accepted one, is a duplicate once its code is texted', () => {
  const evidence = cleanEvidence();
  const loadStartedAt = evidence.loadStartedAt;
  const orphan = '44444444-4444-4444-8444-444444444444';
  evidence.purchases[1]!.attempts.unshift({ startedAt: 0, endedAt: 3_000, status: 503 });
  evidence.requestCode.push({ requestId: orphan, phoneNumber: N2, requestedAt: new Date(loadStartedAt + 100).toISOString() });
  evidence.receiveCode.push({ requestId: orphan, phoneNumber: N2, status: 'SUCCESS', channel: 'SMS', voucherCode: 'QQQQ-QQQQ-QQQQ-QQQQ' });
  evidence.sms.push(sms('s9', N2, 'QQQQ-QQQQ-QQQQ-QQQQ'));
  const result = reconcile(evidence);
  assert.equal(result.duplicated, 1);
  assert.match(result.problems[0]!.detail, /also processed as/);
});

test('a refused request is counted against the purchase whose attempt made it, not another one of the number retrying then', () => {
  const evidence = cleanEvidence();
  const orphan = '55555555-5555-4555-8555-555555555555';
  // k2 retried through an outage from 0 ms and was accepted later; k4, of the same number, began at 4,000 ms, never
  // got past 503, and its request (made at 4,001 ms) reached the broker and was texted: k4's, not a second one of k2's.
  evidence.purchases[1]!.attempts.unshift({ startedAt: 0, endedAt: 9_000, status: 503 });
  evidence.purchases.push({ key: 'k4', e164: N2, attempts: [{ startedAt: 4_000, endedAt: 14_000, status: 503 }] });
  evidence.requestCode.push({ requestId: orphan, phoneNumber: N2, requestedAt: new Date(evidence.loadStartedAt + 4_001).toISOString() });
  evidence.receiveCode.push({ requestId: orphan, phoneNumber: N2, status: 'SUCCESS', channel: 'SMS', voucherCode: 'QQQQ-QQQQ-QQQQ-QQQQ' });
  evidence.sms.push(sms('s9', N2, 'QQQQ-QQQQ-QQQQ-QQQQ'));
  const result = reconcile(evidence);
  assert.equal(result.duplicated, 0, JSON.stringify(result.problems));
  assert.ok(result.notes.some((note) => /purchase k4: an attempt answered without a request id was processed anyway/.test(note)));
});

test('wrong person: a code texted to another number, a record for another number, a code owned by two customers', () => {
  const texted = cleanEvidence();
  texted.sms.push(sms('s3', N3, C2));
  assert.equal(reconcile(texted).wrongPerson, 1);

  const stored = cleanEvidence();
  stored.stored.set(R2, { httpStatus: 200, phoneNumber: N1, voucherCode: C2, status: 'SUCCESS', channel: 'SMS' });
  assert.equal(reconcile(stored).wrongPerson, 1);

  const shared = cleanEvidence();
  shared.receiveCode.push({ requestId: R3, phoneNumber: N3, status: 'SUCCESS', channel: 'SMS', voucherCode: C2 });
  assert.ok(reconcile(shared).wrongPerson >= 1);

  const unknown = cleanEvidence();
  unknown.sms.push(sms('s4', N1, 'NOBO-DYSC-ODEX-XXXX'));
  assert.equal(reconcile(unknown).wrongPerson, 1);
});

test('a code the VPS handed over that is in no store makes the request lost, even when another code reached the customer', () => {
  const evidence = cleanEvidence();
  evidence.vpsCodes.set(R2, new Set([C2, 'MMMM-MMMM-MMMM-MMMM']));
  evidence.vpsHandover = new Map([['MMMM-MMMM-MMMM-MMMM', '8 callback(s), bank answered unreachable×8']]);
  const result = reconcile(evidence);
  assert.equal(result.outcomes.get(R2), 'lost');
  assert.equal(result.duplicated, 0, 'a code only the VPS saw is a lost code, not a second code inside the bank');
  assert.match(result.problems[0]!.detail, /in no store \(MMMM…: 8 callback/);
  assert.doesNotMatch(result.problems[0]!.detail, /restarted/);

  // The same, when the VPS was restarted between the two hand-overs: said so, still counted.
  const t = evidence.loadStartedAt;
  evidence.vpsFirstHandover = new Map([
    ['MMMM-MMMM-MMMM-MMMM', t + 15_000],
    [C2, t + 100_000],
  ]);
  evidence.vpsRestarts = [t + 41_000];
  const across = reconcile(evidence);
  assert.equal(across.lost, 1);
  assert.match(across.problems[0]!.detail, /restarted in between \(\+41\.0 s\)/);
  assert.match(across.problems[0]!.cause, /VPS restarted before the bank asked again/);
});

test('a code texted to the customer while voucher-service stored the request as FAILED is lost from the store', () => {
  const evidence = cleanEvidence();
  evidence.stored.set(R2, { httpStatus: 200, phoneNumber: N2, voucherCode: null, status: 'FAILED', channel: 'WEB' });
  const result = reconcile(evidence);
  assert.equal(result.outcomes.get(R2), 'lost');
  assert.match(result.problems[0]!.detail, /stored FAILED without one/);
});
