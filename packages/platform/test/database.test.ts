import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '../src/database/index.ts';

const migrationsDir = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
const url = process.env.DATABASE_URL ?? '';

describe('a service database on PostgreSQL', () => {
  // A schema of this run's own, dropped at the end, so the test can assert on exactly what it created.
  const service = `migration-test-${process.pid}-${Date.now()}`;
  const open = () => openDatabase({ service, migrationsDir, url });

  test('migrations apply at start-up, and a second start applies nothing and keeps the data', async () => {
    let db: Database = await open();
    try {
      await db.query('INSERT INTO accounts (id, owner, balance) VALUES (1, $1, 10)', ['alice']);
      const versions = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        versions.map((row) => row.version),
        ['001_accounts.sql', '002_balance.sql'],
      );
    } finally {
      await db.close();
    }
    db = await open();
    try {
      const rows = await db.query<{ owner: string; balance: string }>('SELECT owner, balance FROM accounts');
      assert.deepEqual(
        rows.map((row) => [row.owner, Number(row.balance)]),
        [['alice', 10]],
      );
      const versions = await db.query('SELECT version FROM schema_migrations');
      assert.equal(versions.length, 2, 'no migration recorded twice');
    } finally {
      await db.close();
    }
  });

  test('replicas starting together on a new schema all come up: its creation and migrations run once, in turn', async () => {
    const fresh = `${service}-together`;
    const replicas = await Promise.all(Array.from({ length: 6 }, () => openDatabase({ service: fresh, migrationsDir, url })));
    try {
      const versions = await replicas[0]!.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
      assert.deepEqual(
        versions.map((row) => row.version),
        ['001_accounts.sql', '002_balance.sql'],
      );
    } finally {
      await replicas[0]!.query(`DROP SCHEMA "${replicas[0]!.schema}" CASCADE`);
      for (const replica of replicas) await replica.close();
    }
  });

  test('a transaction that throws leaves nothing behind', async () => {
    const db = await open();
    try {
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO accounts (id, owner) VALUES (2, $1)', ['bob']);
          throw new Error('abort');
        }),
        /abort/,
      );
      assert.equal((await db.query('SELECT 1 FROM accounts WHERE id = 2')).length, 0);
    } finally {
      await db.close();
    }
  });

  test('a statement run with prepare is prepared once on its connection and answers each call with its own values', async () => {
    const db = await open();
    try {
      const sql = 'SELECT owner FROM accounts WHERE id = $1';
      const prepared = await db.transaction(async (tx) => {
        const owners = [];
        for (const id of [1, 2, 1]) owners.push((await tx.query<{ owner: string }>(sql, [id], { prepare: true })).map((row) => row.owner));
        const statements = await tx.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
        return { owners, statements: statements.map((row) => row.statement) };
      });
      assert.deepEqual(prepared.owners, [['alice'], [], ['alice']]);
      assert.deepEqual(prepared.statements, [sql], 'one prepared statement, whatever the values');
    } finally {
      await db.close();
    }
  });

  test('NOTIFY reaches a listener on another connection', async () => {
    const db = await open();
    try {
      const received = Promise.withResolvers<string>();
      await db.listen('test_channel', received.resolve); // resolves once LISTEN is in place
      await db.query("SELECT pg_notify('test_channel', 'hello')");
      assert.equal(await received.promise, 'hello');
    } finally {
      await db.query(`DROP SCHEMA ${db.schema} CASCADE`);
      await db.close();
    }
  });
});
