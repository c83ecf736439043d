import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, kafkaSettings, loadConfig, setting } from '../src/config/index.ts';

const spec = {
  PORT: setting.integer(8080, { min: 0, max: 65535 }),
  ENABLED: setting.boolean(true),
  TARGET: setting.url('http://127.0.0.1:1'),
  ...kafkaSettings,
};

test('defaults apply when variables are unset', () => {
  const config = loadConfig(spec, {});
  assert.equal(config.PORT, 8080);
  assert.deepEqual(config.KAFKA_BROKERS, ['127.0.0.1:9092']);
  assert.equal(config.KAFKA_NAMESPACE, '');
});

test('every bad variable is reported at once, by name', () => {
  assert.throws(
    () => loadConfig(spec, { PORT: '70000', ENABLED: 'maybe', TARGET: 'not a url', KAFKA_TOPIC_PARTITIONS: '0' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 4);
      for (const name of ['PORT', 'ENABLED', 'TARGET', 'KAFKA_TOPIC_PARTITIONS']) assert.match(error.message, new RegExp(name));
      return true;
    },
  );
});

test('lists and URLs are normalised', () => {
  const config = loadConfig(spec, { KAFKA_BROKERS: ' a:1, b:2 ,', TARGET: 'http://host:9/' });
  assert.deepEqual(config.KAFKA_BROKERS, ['a:1', 'b:2']);
  assert.equal(config.TARGET, 'http://host:9');
});
