import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { customerErrors, type CustomerErrors } from './customer-errors.ts';
import { allocatePorts, serviceEnvironment } from './environment.ts';
import { faultPlan, runFaults, type FaultRecord } from './faults.ts';
import { SmsInbox } from './inbox.ts';
import { startInfrastructure, type Infrastructure } from './infrastructure.ts';
import { customerNumbers, drawPurchases, runLoad, type Purchase } from './load.ts';
import type { ChaosOptions } from './options.ts';
import { seededRandom } from '@voucher/platform/random';
import { ReadinessMonitor, type Recovery } from './readiness.ts';
import { reconcile, type DeadLetter, type Reconciliation, type ReceiveCodeRecord, type RequestCodeRecord } from './reconcile.ts';
import { waitUntilFinal } from './settle.ts';
import { serviceNames, ServiceStack, type Crash } from './stack.ts';
import { readTopic, type TopicRecord } from './topics.ts';
import { VpsControl, type VpsStats } from './vps-control.ts';
import { VpsLedger } from './vps-ledger.ts';
import { startWiretap } from './wiretap.ts';

export interface ChaosResult {
  options: ChaosOptions;
  reconciliation: Reconciliation;
  faults: FaultRecord[];
  /** When the last fault was over, from the start of the load. */
  lastFaultEndedAt: number;
  recovery: Recovery[];
  /** Every /readyz answered 200 for good within options.readyWithinMs of the last fault. */
  readinessOk: boolean;
  /** How long after each fault was over the process it hit (a kill) or every process (the others) answered /readyz 200. */
  readyAfter: Map<FaultRecord, number | undefined>;
  crashes: Crash[];
  purchases: Purchase[];
  /** The customers' 5xx answers and dropped attempts; with replicas, only those in flight on a killed gateway are allowed. */
  customerErrors: CustomerErrors;
  vpsStats: VpsStats;
  ledger: VpsLedger;
  smsMessages: number;
  smsPossibleGaps: number;
  topicCounts: Record<string, number>;
  drain: { waitedMs: number; settled: boolean };
  timings: { startupMs: number; loadMs: number; totalMs: number };
  logDir: string;
  /** The service log files' contents, read before the run's directory was deleted. */
  logs: Map<string, string>;
  ok: boolean;
}

const PARTITIONS = 6;

const parse = (record: TopicRecord): Record<string, unknown> => {
  try {
    return JSON.parse(record.value) as Record<string, unknown>;
  } catch {
    return {};
  }
};

/**
 * One chaos run: its own broker, database and processes; load with pages and idempotency keys while the fault plan
 * runs; a bounded wait until every accepted request is final; then reconciliation. Everything it started is stopped
 * and its directory deleted, whatever happens (also on abort).
 */
export async function runChaos(options: ChaosOptions, log: (line: string) => void, outerSignal?: AbortSignal): Promise<ChaosResult> {
  const startedAt = Date.now();
  // The whole run stays within the hard limit, clean-up included.
  const signal = AbortSignal.any([AbortSignal.timeout(options.hardLimitMs - 60_000), ...(outerSignal ? [outerSignal] : [])]);
  const cleanups: Array<() => Promise<unknown>> = [];
  const purchases: Purchase[] = [];
  let infrastructure: Infrastructure | undefined;
  let stack: ServiceStack | undefined;
  const logs = new Map<string, string>();
  try {
    const taken = new Set<number>();
    infrastructure = await startInfrastructure(log, taken, options.brokers);
    cleanups.push(() => infrastructure!.stop());
    const ports = await allocatePorts(taken);
    const env = serviceEnvironment(options, ports, infrastructure.brokers, infrastructure.databaseUrl, infrastructure.dir);
    const ledger = new VpsLedger();
    const vpsTap = await startWiretap(ports.vpsTap, ports.vps, (exchange) => ledger.recordCall(exchange));
    const callbackTap = await startWiretap(ports.callbackTap, ports.integration, (exchange) => ledger.recordCallback(exchange));
    cleanups.push(
      () => vpsTap.close(),
      () => callbackTap.close(),
    );
    stack = new ServiceStack(env, infrastructure.dir, options.verbose, log, options.replicas);
    const services = stack;
    cleanups.push(async () => {
      await services.stop();
      for (const label of services.labels) {
        try {
          logs.set(label, readFileSync(`${services.logDir}/${label}.log`, 'utf8'));
        } catch {
          logs.set(label, '');
        }
      }
      if (options.keepLogs) cpSync(services.logDir, options.keepLogs, { recursive: true });
    });
    log(
      `starting the processes (gateway on ${ports.gateway}, ${options.replicas} of each bank service, Kafka ${infrastructure.brokers.join(',')})`,
    );
    await stack.startAll();
    const vps = new VpsControl(stack.url('vps'));
    await vps.configure();
    const inbox = new SmsInbox(stack.url('sms'));
    inbox.start();
    cleanups.push(() => inbox.stop());
    const startupMs = Date.now() - startedAt;

    const loadStartedAt = Date.now();
    const elapsed = () => Date.now() - loadStartedAt;
    const readiness = new ReadinessMonitor(new Map(serviceNames.map((name) => [name, services.url(name)])), elapsed);
    readiness.start();
    cleanups.push(() => readiness.stop());
    const random = seededRandom(options.seed);
    const numbers = customerNumbers(options.numbers, random);
    purchases.push(...drawPurchases(options, numbers, random));
    cleanups.push(() => Promise.all(purchases.map((purchase) => purchase.page?.close())));
    log(`load: ${options.requests} purchases over ${options.seconds} s across ${options.numbers} numbers (seed ${options.seed})`);
    const faultsDone = runFaults(faultPlan(options), { stack, infrastructure, inbox, vps, elapsed, log, signal });
    faultsDone.catch(() => {});
    const random2 = seededRandom(options.seed + 1);
    await runLoad(purchases, options, { gatewayUrl: stack.url('gateway'), elapsed, random: random2, signal, log });
    const loadMs = elapsed();
    const faults = await faultsDone;
    const lastFaultEndedAt = Math.max(...faults.map((fault) => fault.endedAt ?? fault.startedAt));
    log(
      `load done after ${(loadMs / 1000).toFixed(1)} s; waiting (at most ${options.drainMs / 1000} s) until every accepted request is final`,
    );

    const drain = await waitUntilFinal(
      purchases,
      { gateway: stack.url('gateway'), voucher: stack.url('voucher-service') },
      { busy: () => vps.busy(), takenByBank: () => ledger.takenByBank() },
      options.drainMs,
      signal,
      log,
    );
    await Promise.all(purchases.map((purchase) => purchase.page?.close()));
    // Give /readyz the window after the last fault before judging it.
    while (elapsed() < lastFaultEndedAt + options.readyWithinMs + 1_000) {
      const recovered = readiness.recoveryAfter(lastFaultEndedAt);
      if (recovered.every((service) => service.readyAtEnd && service.afterMs !== undefined)) break;
      await sleep(500, undefined, { signal });
    }
    await readiness.stop();
    const recovery = readiness.recoveryAfter(lastFaultEndedAt);
    const readinessOk = recovery.every(
      (service) => service.readyAtEnd && service.afterMs !== undefined && service.afterMs <= options.readyWithinMs,
    );
    const readyAfter = new Map(
      faults.map((fault) => [
        fault,
        fault.endedAt === undefined ? undefined : readiness.readyAfter(fault.endedAt, fault.target && [fault.target]),
      ]),
    );

    await inbox.stop();
    await inbox.sweep(numbers);
    const [requestCode, receiveCode, requestDlq, receiveDlq] = await Promise.all(
      ['request-code', 'receive-code', 'request-code.dlq', 'receive-code.dlq'].map((topic) =>
        readTopic(infrastructure!.brokers, topic, PARTITIONS),
      ),
    );
    const deadLetters: DeadLetter[] = [
      ...requestDlq!.map((record) => ({ topic: 'request-code.dlq', record })),
      ...receiveDlq!.map((record) => ({ topic: 'receive-code.dlq', record })),
    ].map(({ topic, record }) => ({
      topic,
      reason: `${record.headers['x-consumer-group'] ?? '?'}: ${record.headers['x-dlq-reason'] ?? '?'}`,
      requestId: typeof parse(record).requestId === 'string' ? (parse(record).requestId as string) : undefined,
    }));
    const vpsStats = await vps.totalStats();
    const evidence = {
      purchases,
      loadStartedAt,
      statuses: drain.statuses,
      stored: drain.stored,
      receiveCode: receiveCode!.map(parse) as unknown as ReceiveCodeRecord[],
      requestCode: requestCode!.map(parse) as unknown as RequestCodeRecord[],
      deadLetters,
      sms: [...inbox.messages.values()],
      vpsCodes: ledger.codesByRequest(),
      vpsHandover: ledger.handover(loadStartedAt),
      vpsFirstHandover: ledger.firstHandover(),
      vpsRestarts: [
        ...faults.filter((fault) => fault.target === 'vps').map((fault) => loadStartedAt + fault.startedAt),
        ...stack.crashes.filter((crash) => crash.name === 'vps').map((crash) => crash.at),
      ],
    };
    const reconciliation = reconcile(evidence);
    if (options.keepLogs) {
      // Everything the verdict rests on, for a closer look at a failed run.
      mkdirSync(options.keepLogs, { recursive: true });
      const plain = (_key: string, value: unknown) =>
        value instanceof Map
          ? Object.fromEntries(value)
          : value instanceof Set
            ? [...value]
            : typeof value === 'bigint'
              ? String(value)
              : value;
      const pages = purchases.map((p) => ({
        ...p,
        page: p.page && { events: p.page.events, connections: p.page.connections, refusals: p.page.refusals },
      }));
      const dump = { ...evidence, purchases: pages, vpsIssued: ledger.issued, faults: await faultsDone, outcomes: reconciliation.outcomes };
      writeFileSync(join(options.keepLogs, 'evidence.json'), JSON.stringify(dump, plain, 1));
    }
    const forgedAccepted = Math.max(ledger.forgedAccepted().length, vpsStats.forgedCallbacksAccepted ?? 0);
    const r = reconciliation;
    const errors = customerErrors(purchases, faults);
    // Without replicas a killed gateway, broker or database is an outage the customers see (and retry through).
    const errorsOk = options.replicas === 1 || errors.unexcused.length === 0;
    const ok =
      r.accepted > 0 &&
      r.lost === 0 &&
      r.duplicated === 0 &&
      r.wrongPerson === 0 &&
      r.stuck === 0 &&
      readinessOk &&
      forgedAccepted === 0 &&
      errorsOk;
    const result: ChaosResult = {
      options,
      reconciliation,
      faults,
      lastFaultEndedAt,
      recovery,
      readinessOk,
      readyAfter,
      crashes: stack.crashes,
      purchases,
      customerErrors: errors,
      vpsStats,
      ledger,
      smsMessages: inbox.messages.size,
      smsPossibleGaps: inbox.possibleGaps,
      topicCounts: {
        'request-code': requestCode!.length,
        'receive-code': receiveCode!.length,
        'request-code.dlq': requestDlq!.length,
        'receive-code.dlq': receiveDlq!.length,
      },
      drain: { waitedMs: drain.waitedMs, settled: drain.settled },
      timings: { startupMs, loadMs, totalMs: 0 },
      logDir: stack.logDir,
      logs,
      ok,
    };
    return result;
  } finally {
    log('cleaning up: processes, broker, database server, temporary directory');
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: Error) => log(`clean-up step failed: ${error.message}`));
    }
  }
}
