import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { WriteCounter } from '../src/measure/database-writes.ts';

// The transaction counts assume no other session writes meanwhile: npm test's own server, one file at a time.
test('the WAL and the write transactions of a measured run are read from PostgreSQL, per request', async (t) => {
  const url = process.env.DATABASE_URL;
  assert.ok(url, 'npm test sets DATABASE_URL (its own server when unset)');
  const counter = await WriteCounter.open(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = `bench_writes_${process.pid}`;
  await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY, filler text)`);
  t.after(async () => {
    await client.query(`DROP TABLE ${table}`);
    await Promise.all([client.end(), counter.close()]);
  });
  const perRequest = (requests: number) => requests;

  // Ten requests each committing its own ~1 kB row, then ten requests sharing one commit.
  const alone = await counter.measure(async () => {
    for (let id = 0; id < 10; id++) await client.query(`INSERT INTO ${table} VALUES ($1, repeat('x', 1000))`, [id]);
    return 10;
  }, perRequest);
  const batched = await counter.measure(async () => {
    await client.query(`INSERT INTO ${table} SELECT g, repeat('x', 1000) FROM generate_series(10, 19) AS g`);
    return 10;
  }, perRequest);

  assert.ok(alone.writes && batched.writes, 'PostgreSQL can say');
  assert.equal(alone.writes.transactions, 1);
  assert.equal(batched.writes.transactions, 0.1);
  // Each row's kilobyte is in the WAL, whichever way it was committed (a checkpoint in between adds page images).
  assert.ok(alone.writes.walBytes >= 1_000, `alone: ${alone.writes.walBytes} bytes per request`);
  assert.ok(batched.writes.walBytes >= 1_000, `batched: ${batched.writes.walBytes} bytes per request`);
});
