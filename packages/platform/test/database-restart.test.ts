import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/database/index.ts';
import { waitFor } from '../src/testing/index.ts';

const migrationsDir = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
const url = process.env.DATABASE_URL ?? '';

/** Ends every other session of this database, as a server restart does to a service's connections. */
async function dropConnections(): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
  } finally {
    await admin.end();
  }
}

test('a listener survives its connection being killed: no crash, and it hears notifications again', async () => {
  const db = await openDatabase({ service: `listener-test-${process.pid}`, migrationsDir, url });
  try {
    const heard: string[] = [];
    let reconnects = 0;
    await db.listen(
      'restart_channel',
      (payload) => heard.push(payload),
      () => reconnects++,
    );
    await db.query("SELECT pg_notify('restart_channel', 'before')");
    await waitFor(() => heard.includes('before') || undefined, 'the first notification');
    await dropConnections();
    // Keep notifying until the reconnected listener hears one: the process must still be alive to do so. A pooled
    // connection the server ended can fail a query before the pool has read the server's goodbye (CI saw it once);
    // the pool then drops it, and the next query gets a new one.
    await waitFor(async () => {
      await db.query("SELECT pg_notify('restart_channel', 'after')").catch(() => {});
      return heard.includes('after') || undefined;
    }, 'a notification after the reconnect');
    assert.equal(reconnects, 1, 'the listener is told it reconnected, to look for what it missed');
  } finally {
    await db.query(`DROP SCHEMA ${db.schema} CASCADE`).catch(() => {});
    await db.close();
  }
});

test('a connection killed in the middle of a transaction fails that transaction, not the process', async () => {
  // Every connection this process opens, so that the test can find the transaction's own by its port.
  const sockets: Socket[] = [];
  const onSocket = (message: unknown) => sockets.push((message as { socket: Socket }).socket);
  diagnostics.subscribe('net.client.socket', onSocket);
  const db = await openDatabase({ service: `transaction-kill-test-${process.pid}`, migrationsDir, url });
  try {
    let killed!: () => void;
    let clientPort: number | undefined;
    const transaction = db.transaction(async (tx) => {
      const [row] = await tx.query<{ port: number }>('SELECT client_port AS port FROM pg_stat_activity WHERE pid = pg_backend_pid()');
      clientPort = row!.port;
      await new Promise<void>((resolve) => (killed = resolve));
      await tx.query('SELECT 1');
    });
    await waitFor(() => killed, 'the transaction to be open');
    const socket = sockets.find((candidate) => candidate.localPort === clientPort);
    assert.ok(socket, "the transaction's connection");
    // pg reports the dead connection's 'error' to the client from its own 'close' listener on the socket, which runs
    // before this one: once this fires, the event has been heard (an unheard one would have crashed the process).
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await dropConnections();
    await closed;
    killed();
    await assert.rejects(transaction);
    assert.deepEqual(await db.query<{ one: number }>('SELECT 1 AS one'), [{ one: 1 }], 'the pool works again');
  } finally {
    diagnostics.unsubscribe('net.client.socket', onSocket);
    await db.query(`DROP SCHEMA ${db.schema} CASCADE`).catch(() => {});
    await db.close();
  }
});

test('a value no retry can fix is marked retryable: false; a lost connection is not', async () => {
  const db = await openDatabase({ service: `errors-test-${process.pid}`, migrationsDir, url });
  try {
    const bad = await db.query("SELECT '0000-01-01T00:00:00Z'::timestamptz").catch((error: unknown) => error);
    assert.equal((bad as { retryable?: boolean }).retryable, false, 'a data exception (class 22) is permanent');
    const unique = await db.query('INSERT INTO accounts (id, owner) VALUES (1, $1), (1, $1)', ['x']).catch((error: unknown) => error);
    assert.equal((unique as { retryable?: boolean }).retryable, false, 'a constraint violation (class 23) is permanent');
    const cancelled = await db
      .query('SELECT pg_sleep(5) FROM (SELECT pg_cancel_backend(pg_backend_pid())) AS c')
      .catch((error: unknown) => error);
    assert.equal((cancelled as { retryable?: boolean }).retryable, true, 'a cancelled statement may be retried');
  } finally {
    await db.query(`DROP SCHEMA ${db.schema} CASCADE`).catch(() => {});
    await db.close();
  }
});
