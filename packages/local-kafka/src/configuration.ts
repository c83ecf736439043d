import { mkdirSync, writeFileSync } from 'node:fs';
import { brokerLayout, type BrokerLayout } from './layout.ts';

/** Where a node sits in its cluster: its id, and every node's layout (the controller quorum), its own included. */
export interface NodePlace {
  nodeId: number;
  nodes: Array<{ id: number; layout: BrokerLayout }>;
}

/**
 * A KRaft node that is both broker and controller, tuned for one machine: no rebalance delay, and the internal topics
 * replicated like the application's (three copies, two in sync, from three nodes up; one copy on a lone broker).
 */
function serverProperties(layout: BrokerLayout, place: NodePlace): string {
  const { host, port, controllerPort, dataDir } = layout;
  const replicas = Math.min(3, place.nodes.length);
  const minInSync = replicas >= 3 ? 2 : 1;
  const voters = place.nodes.map((node) => `${node.id}@${node.layout.host}:${node.layout.controllerPort}`).join(',');
  return [
    'process.roles=broker,controller',
    `node.id=${place.nodeId}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    `default.replication.factor=${replicas}`,
    `min.insync.replicas=${minInSync}`,
    `offsets.topic.replication.factor=${replicas}`,
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${minInSync}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${minInSync}`,
    'group.initial.rebalance.delay.ms=0',
    // A node that stops heartbeating is fenced after 3 s instead of 9 (its partitions get new leaders sooner): the
    // nodes share one machine, where a missed heartbeat means a dead process rather than a slow network.
    ...(place.nodes.length > 1 ? ['broker.heartbeat.interval.ms=500', 'broker.session.timeout.ms=3000'] : []),
    'log.retention.hours=24',
    // The compaction cleaner takes 128 MB of heap for its offset map by default: more than a cluster's node has here.
    'log.cleaner.dedupe.buffer.size=16777216',
    '',
  ].join('\n');
}

function log4jProperties(layout: BrokerLayout): string {
  return [
    'rootLogger.level=WARN',
    'rootLogger.appenderRef.file.ref=file',
    'appender.file.type=File',
    'appender.file.name=file',
    `appender.file.fileName=${layout.logsDir}/server.log`,
    'appender.file.layout.type=PatternLayout',
    'appender.file.layout.pattern=[%d] %p %m (%c)%n',
    'logger.kafka.name=kafka',
    'logger.kafka.level=INFO',
    '',
  ].join('\n');
}

/** Writes the node's server.properties and log4j2 configuration; without `place`, a lone broker (node 1). */
export function writeConfiguration(
  layout: BrokerLayout = brokerLayout(),
  place: NodePlace = { nodeId: 1, nodes: [{ id: 1, layout }] },
): void {
  mkdirSync(layout.logsDir, { recursive: true });
  mkdirSync(layout.dataDir, { recursive: true });
  writeFileSync(layout.configFile, serverProperties(layout, place));
  writeFileSync(layout.log4jFile, log4jProperties(layout));
}
