import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { createHttpServer } from '../src/http/index.ts';
import { createLogger } from '../src/logging/index.ts';

/** A voucher code: the money a log line must never carry, also not inside PostgreSQL's own sentences. */
const CODE = 'VCHR-7Q4K-LEAK-9ZX2';

function capture() {
  const lines: string[] = [];
  return { lines, text: () => lines.join(''), write: (line: string) => void lines.push(line) };
}

/** The error a real PostgreSQL server gives for `statement`, run after `setup` in a temporary schema of this test. */
async function databaseError(client: pg.Client, statement: string, values: unknown[]): Promise<Error & Record<string, unknown>> {
  try {
    await client.query(statement, values);
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error(`${statement} did not fail`);
}

describe('error logs carry no values of a failed statement (PostgreSQL detail, where, parameters, SQL)', () => {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  let uniqueViolation: Error & Record<string, unknown>;
  let badUuid: Error & Record<string, unknown>;

  before(async () => {
    await client.connect();
    await client.query('CREATE TEMPORARY TABLE issued (voucher_code text CONSTRAINT issued_voucher_code_key UNIQUE, request_id uuid)');
    await client.query('INSERT INTO issued (voucher_code) VALUES ($1)', [CODE]);
    uniqueViolation = await databaseError(client, 'INSERT INTO issued (voucher_code) VALUES ($1)', [CODE]);
    badUuid = await databaseError(client, `SELECT * FROM issued WHERE request_id = '${CODE}'`, []);
  });
  after(() => client.end());

  test('the error really carries the code (PostgreSQL puts it in detail and in the message of a data exception)', () => {
    assert.equal(uniqueViolation.code, '23505');
    assert.match(String(uniqueViolation.detail), new RegExp(CODE), 'Key (voucher_code)=(…) already exists');
    assert.equal(badUuid.code, '22P02');
    assert.match(badUuid.message, new RegExp(CODE), 'invalid input syntax for type uuid: "…"');
  });

  for (const format of ['json', 'pretty'] as const) {
    test(`a ${format} line keeps the code, the constraint and a message without values`, () => {
      const out = capture();
      const logger = createLogger('voucher-service', 'info', { format, destination: out });
      logger.error({ err: uniqueViolation }, 'storing the voucher failed');
      logger.error({ err: badUuid }, 'listing failed');
      logger.error({ err: new Error('handler failed', { cause: uniqueViolation }) }, 'wrapped');
      logger.error({ err: new AggregateError([uniqueViolation, badUuid], 'both failed') }, 'aggregate');
      logger.warn({ error: Object.assign(new Error('query failed'), { query: `INSERT … '${CODE}'`, parameters: [CODE] }) }, 'other key');
      const text = out.text();
      assert.doesNotMatch(text, new RegExp(CODE), 'the voucher code appears nowhere');
      assert.doesNotMatch(text, /Key \(voucher_code\)/, 'no detail');
      assert.match(text, /23505/, 'the SQLSTATE stays');
      assert.match(text, /issued_voucher_code_key/, 'the constraint name stays');
      assert.match(text, /duplicate key value violates unique constraint/, 'the message stays');
      assert.match(text, /invalid input syntax for type uuid/, 'the message of a data exception stays, without its value');
      assert.match(text, /at /, 'stacks stay');
      if (format === 'json') {
        const entry = JSON.parse(out.lines[0]!) as { err: Record<string, unknown> };
        assert.equal(entry.err.code, '23505');
        assert.equal(entry.err.constraint, 'issued_voucher_code_key');
        assert.equal(entry.err.table, 'issued');
        for (const field of ['detail', 'where', 'hint', 'internalQuery', 'parameters', 'query'])
          assert.equal(entry.err[field], undefined, field);
      }
    });
  }

  test('the original error is left as it was (only the log line is cleaned)', () => {
    createLogger('x', 'info', { format: 'json', destination: capture() }).error({ err: uniqueViolation }, 'failed');
    assert.match(String(uniqueViolation.detail), new RegExp(CODE));
  });

  test('an unhandled route error logged by the HTTP server is cleaned the same way (Fastify keeps our serializer)', async () => {
    const out = capture();
    const app = createHttpServer('voucher-service', createLogger('voucher-service', 'info', { format: 'json', destination: out }));
    app.get('/boom', async () => {
      throw uniqueViolation;
    });
    try {
      const response = await app.inject({ method: 'GET', url: '/boom' });
      assert.equal(response.statusCode, 500);
      assert.doesNotMatch(response.body, new RegExp(CODE));
      assert.match(out.text(), /23505/, 'the error was logged');
      assert.doesNotMatch(out.text(), new RegExp(CODE));
    } finally {
      await app.close();
    }
  });
});
