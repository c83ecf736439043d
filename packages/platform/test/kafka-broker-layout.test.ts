import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerLayout } from '@voucher/local-kafka';

/** The local broker's port, controller port and state directory can be moved, so a test can run a broker of its own. */
const withEnvironment = (values: Record<string, string | undefined>, run: () => void) => {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  try {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    run();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
};

test('the default broker listens on 9092 (controller 9093) and keeps its state under the cache directory', () => {
  withEnvironment({ LOCAL_KAFKA_PORT: undefined, LOCAL_KAFKA_CONTROLLER_PORT: undefined, LOCAL_KAFKA_HOME: undefined }, () => {
    const layout = brokerLayout();
    assert.equal(layout.bootstrapAddress, '127.0.0.1:9092');
    assert.equal(layout.controllerPort, 9093);
    assert.match(layout.home, /[/\\]broker$/);
    assert.equal(layout.dataDir, join(layout.home, 'data'));
  });
});

test('LOCAL_KAFKA_PORT, LOCAL_KAFKA_CONTROLLER_PORT and LOCAL_KAFKA_HOME move it; options win over them', () => {
  withEnvironment({ LOCAL_KAFKA_PORT: '19092', LOCAL_KAFKA_CONTROLLER_PORT: '19093', LOCAL_KAFKA_HOME: '/tmp/kafka-a' }, () => {
    const fromEnvironment = brokerLayout();
    assert.equal(fromEnvironment.bootstrapAddress, '127.0.0.1:19092');
    assert.equal(fromEnvironment.controllerPort, 19093);
    assert.equal(fromEnvironment.pidFile, '/tmp/kafka-a/broker.pid');
    const fromOptions = brokerLayout({ port: 29092, controllerPort: 29093, home: '/tmp/kafka-b' });
    assert.equal(fromOptions.bootstrapAddress, '127.0.0.1:29092');
    assert.equal(fromOptions.configFile, '/tmp/kafka-b/server.properties');
  });
});

test('a port that is not a port, or the same port twice, is refused by name', () => {
  withEnvironment({ LOCAL_KAFKA_PORT: 'ninety', LOCAL_KAFKA_CONTROLLER_PORT: undefined }, () => {
    assert.throws(() => brokerLayout(), /LOCAL_KAFKA_PORT must be a TCP port/);
  });
  assert.throws(() => brokerLayout({ port: 20000, controllerPort: 20000 }), /must differ/);
});
