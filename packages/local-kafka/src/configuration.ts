import { mkdirSync, writeFileSync } from 'node:fs';
import { brokerLayout, type BrokerLayout } from './layout.ts';

/** A single KRaft node that is both broker and controller, tuned for one machine: replication 1, no rebalance delay. */
function serverProperties(layout: BrokerLayout): string {
  const { host, port, controllerPort, dataDir } = layout;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${host}:${controllerPort}`,
    `listeners=PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
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

export function writeConfiguration(layout: BrokerLayout = brokerLayout()): void {
  mkdirSync(layout.logsDir, { recursive: true });
  mkdirSync(layout.dataDir, { recursive: true });
  writeFileSync(layout.configFile, serverProperties(layout));
  writeFileSync(layout.log4jFile, log4jProperties(layout));
}
