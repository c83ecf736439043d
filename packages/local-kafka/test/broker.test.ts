import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { ensureTopics } from '@voucher/platform/kafka';
import { bootstrapAddress, startBroker } from '../src/index.ts';

function kcat(args: string[], input?: string) {
  const result = spawnSync('kcat', ['-b', bootstrapAddress, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  if (result.error)
    throw new Error(`kcat is needed for this test (an independent Kafka client): apt-get install kcat (${result.error.message})`);
  return result;
}

test('starting the broker again leaves the running one alone', async () => {
  const lines: string[] = [];
  assert.equal(await startBroker((line) => lines.push(line)), false);
  assert.match(lines.join('\n'), /already accepts clients/);
});

test('an independent Kafka client (kcat) produces to and consumes from the local broker', async () => {
  const topic = `kcat-${randomUUID().slice(0, 8)}`;
  await ensureTopics({ brokers: [bootstrapAddress], clientId: 'kcat-test' }, [topic], { partitions: 1, replicationFactor: 1 });
  const produced = kcat(['-P', '-t', topic, '-K', ':'], 'customer-1:first\ncustomer-2:second\n');
  assert.equal(produced.status, 0, produced.stderr);
  const consumed = kcat(['-C', '-t', topic, '-o', 'beginning', '-e', '-f', '%k=%s\\n']);
  assert.equal(consumed.status, 0, consumed.stderr);
  assert.deepEqual(consumed.stdout.trim().split('\n'), ['customer-1=first', 'customer-2=second']);
  const metadata = kcat(['-L', '-J']);
  assert.match(metadata.stdout, /"broker_id"\s*:\s*1|"id"\s*:\s*1/);
});
