import { setTimeout as sleep } from 'node:timers/promises';
import { PerKeyQueue } from '@voucher/platform/batching';
import { VPS_FAULTS } from './environment.ts';
import type { Infrastructure } from './infrastructure.ts';
import type { SmsInbox } from './inbox.ts';
import type { ChaosOptions } from './options.ts';
import type { ServiceName, ServiceStack } from './stack.ts';
import type { VpsControl } from './vps-control.ts';

export type FaultKind = 'kill' | 'broker' | 'postgres' | 'sms-outage' | 'vps-outage';

export interface PlannedFault {
  kind: FaultKind;
  /** The process, for `kill`. */
  target?: ServiceName;
  /** Which of the target's replicas (default the first). */
  replica?: number;
  /** The Kafka node, for `broker` (default node 1, the only one of a lone broker). */
  node?: number;
  /** When, from the start of the load. */
  atMs: number;
  /** How long the fault lasts before it is lifted (the process started again, sends work again). */
  forMs: number;
}

/** A fault as it happened: times from the start of the load. */
export interface FaultRecord {
  name: string;
  /** The killed process, for a kill: the one whose readiness tells when it is over. */
  target?: ServiceName;
  /** Which of its replicas was killed. */
  replica?: number;
  startedAt: number;
  /** When lifting it began: the process or server was started again, or the failures switched off. */
  liftedAt?: number;
  /**
   * When it was over: the process started again, the broker or database server accepting clients again (their own
   * restart can take a while after a crash), the failures switched off. Services' recovery is measured from here.
   */
  endedAt?: number;
  error?: string;
}

const kill = (target: ServiceName, atS: number, replica = 1): PlannedFault => ({
  kind: 'kill',
  target,
  replica,
  atMs: atS * 1000,
  forMs: 5_000,
});
const broker = (atS: number, forS: number, node?: number): PlannedFault => ({ kind: 'broker', node, atMs: atS * 1000, forMs: forS * 1000 });

type PlanOptions = Pick<ChaosOptions, 'short' | 'seconds' | 'sabotage' | 'brokers' | 'replicas' | 'seed'>;

/** The Kafka node the k-th broker fault kills: on a cluster, one chosen by the seed (another each time); alone, the broker. */
const nodeFor = (options: PlanOptions, k: number): number | undefined =>
  options.brokers > 1 ? 1 + ((options.seed + k) % options.brokers) : undefined;

/**
 * With replicas (`--replicas 2`, the bank's way of running): one process of each bank service SIGKILLed at a time
 * and started again 5 s later while its other replica serves, and one Kafka node of the cluster at a time (chosen
 * by the seed) for 12 s (short) or 18 s; each of these twice in the full run, a different replica and node the second
 * time. Nothing else: the customers must see no 5xx at all, apart from requests in flight on a killed gateway.
 */
function topologyPlan(options: PlanOptions): PlannedFault[] {
  const node = (k: number) => nodeFor(options, k);
  const other = (replica: number) => 1 + (replica % options.replicas);
  return options.short
    ? [kill('gateway', 3), kill('voucher-service', 8, 2), kill('voucher-integration-service', 13), broker(18, 12, node(0))]
    : [
        kill('gateway', 3),
        kill('voucher-service', 9, 2),
        kill('voucher-integration-service', 15),
        broker(21, 18, node(0)),
        kill('gateway', 41, other(1)),
        kill('voucher-service', 47, other(2)),
        kill('voucher-integration-service', 53, other(1)),
        broker(58, 18, node(1)),
      ];
}

/**
 * The reference plan over 80 s of load: each bank service and each simulator SIGKILLed and started again ~5 s later, the
 * broker killed twice for 18 s, PostgreSQL once, the SMS gateway failing every send for 10 s and the VPS every request
 * for 4 s. The short plan (40 s): each bank service once, the broker once (12 s), PostgreSQL once, SMS failing 5 s.
 */
export function faultPlan(options: PlanOptions): PlannedFault[] {
  const base = options.short ? 40 : 80;
  const node = (k: number) => nodeFor(options, k);
  const plan: PlannedFault[] =
    options.replicas > 1
      ? topologyPlan(options)
      : options.short
        ? [
            kill('gateway', 3),
            kill('voucher-service', 8),
            kill('voucher-integration-service', 13),
            broker(18, 12, node(0)),
            { kind: 'sms-outage', atMs: 20_000, forMs: 5_000 },
            { kind: 'postgres', atMs: 31_000, forMs: 4_000 },
          ]
        : [
            kill('gateway', 3),
            kill('voucher-service', 9),
            kill('voucher-integration-service', 15),
            broker(21, 18, node(0)),
            { kind: 'sms-outage', atMs: 40_000, forMs: 10_000 },
            kill('vps', 41),
            { kind: 'postgres', atMs: 47_000, forMs: 5_000 },
            { kind: 'vps-outage', atMs: 53_000, forMs: 4_000 },
            kill('sms', 56),
            broker(58, 18, node(1)),
          ];
  const scale = options.seconds / base;
  const scaled = plan.map((fault) => ({ ...fault, atMs: Math.round(fault.atMs * scale) }));
  if (options.sabotage === 'gateway-stays-down') {
    // Deliberately broken: the gateway is killed in the middle of the load and never comes back.
    const gateway = scaled.find((fault) => fault.kind === 'kill' && fault.target === 'gateway')!;
    gateway.atMs = Math.round(options.seconds * 500);
    gateway.forMs = Infinity;
  }
  return scaled.sort((a, b) => a.atMs - b.atMs);
}

export const faultName = (fault: PlannedFault): string =>
  ({
    kill: `SIGKILL ${fault.target}${(fault.replica ?? 1) > 1 ? ` (replica ${fault.replica})` : ''}`,
    broker: fault.node === undefined ? 'SIGKILL Kafka broker' : `SIGKILL Kafka node ${fault.node}`,
    postgres: 'SIGKILL PostgreSQL',
    'sms-outage': 'SMS gateway fails every send',
    'vps-outage': 'VPS fails every request',
  })[fault.kind];

export interface FaultDeps {
  stack: ServiceStack;
  infrastructure: Infrastructure;
  inbox: SmsInbox;
  vps: VpsControl;
  /** Milliseconds since the load started. */
  elapsed: () => number;
  log: (line: string) => void;
  signal: AbortSignal;
}

/** Injects one fault, waits it out, lifts it. */
async function inject(fault: PlannedFault, deps: FaultDeps, record: FaultRecord): Promise<void> {
  const { stack, infrastructure, inbox, vps, signal } = deps;
  const lift = () => (record.liftedAt = deps.elapsed());
  const end = () => (record.endedAt = deps.elapsed());
  switch (fault.kind) {
    case 'kill': {
      const target = fault.target!;
      const replica = fault.replica ?? 1;
      // The simulators keep what they did in memory only: read it before it goes (see inbox.ts and vps-control.ts).
      if (target === 'sms') await inbox.freezeForKill();
      if (target === 'vps') await vps.snapshotStats();
      await stack.kill(target, { replica, forever: fault.forMs === Infinity });
      if (fault.forMs === Infinity) return;
      await sleep(fault.forMs, undefined, { signal });
      lift();
      stack.start(target, replica);
      end();
      if (target === 'vps') await vps.configureWhenUp(signal);
      return;
    }
    case 'broker':
      await infrastructure.killBroker(fault.node ?? 1);
      await sleep(fault.forMs, undefined, { signal });
      lift();
      await infrastructure.restartBroker(fault.node ?? 1);
      end();
      return;
    case 'postgres':
      await infrastructure.killPostgres();
      await sleep(fault.forMs, undefined, { signal });
      lift();
      await infrastructure.restartPostgres();
      end();
      return;
    case 'sms-outage':
      await inbox.setFaults({ errorRate: 1 });
      await sleep(fault.forMs, undefined, { signal });
      lift();
      await inbox.setFaults({ errorRate: 0 });
      end();
      return;
    case 'vps-outage':
      await vps.setFaults({ errorRate: 1 });
      await sleep(fault.forMs, undefined, { signal });
      lift();
      await vps.setFaults({ errorRate: VPS_FAULTS.errorRate });
      end();
      return;
  }
}

/** How long a broker fault waits for the cluster to catch up after the last one before it kills its node anyway. */
const CATCH_UP_LIMIT_MS = 120_000;

/**
 * Runs the plan against the clock of the load; resolves when every fault has been lifted. Broker faults take turns:
 * one starts once the node of the last is back and the cluster has caught up (a node can take half a minute to return
 * on a busy machine, and a second node killed meanwhile takes partitions below their minimum in-sync replicas, an
 * outage the plan does not mean and no deployment of three nodes survives).
 */
export async function runFaults(plan: PlannedFault[], deps: FaultDeps): Promise<FaultRecord[]> {
  const records: FaultRecord[] = [];
  const turns = new PerKeyQueue();
  await Promise.all(
    plan.map(async (fault) => {
      await sleep(Math.max(0, fault.atMs - deps.elapsed()), undefined, { signal: deps.signal });
      if (fault.kind !== 'broker') return runOne(fault, deps, records);
      return turns.run('broker', async () => {
        await clusterCaughtUp(deps);
        await runOne(fault, deps, records);
      });
    }),
  );
  return records.sort((a, b) => a.startedAt - b.startedAt);
}

async function runOne(fault: PlannedFault, deps: FaultDeps, records: FaultRecord[]): Promise<void> {
  const record: FaultRecord = { name: faultName(fault), target: fault.target, replica: fault.replica, startedAt: deps.elapsed() };
  records.push(record);
  deps.log(`fault: ${record.name}${Number.isFinite(fault.forMs) ? ` for ${fault.forMs / 1000} s` : ', never lifted'}`);
  try {
    await inject(fault, deps, record);
  } catch (error) {
    if (deps.signal.aborted) throw error;
    record.error = (error as Error).message.split('\n')[0];
    deps.log(`fault ${record.name} went wrong: ${record.error}`);
  }
}

/** On a cluster, waits until every partition has all its replicas in sync again (at most CATCH_UP_LIMIT_MS). */
async function clusterCaughtUp(deps: FaultDeps): Promise<void> {
  if (deps.infrastructure.brokerNodes.length <= 1) return;
  const since = deps.elapsed();
  while (!(await deps.infrastructure.brokersInSync())) {
    if (deps.elapsed() - since > CATCH_UP_LIMIT_MS) {
      deps.log(`the Kafka cluster has not caught up after ${CATCH_UP_LIMIT_MS / 1000} s; the next broker fault starts anyway`);
      return;
    }
    await sleep(500, undefined, { signal: deps.signal });
  }
  if (deps.elapsed() - since > 1_000)
    deps.log(`the next broker fault waited ${((deps.elapsed() - since) / 1000).toFixed(1)} s for the cluster to catch up`);
}
