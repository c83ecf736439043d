import pg from 'pg';

/**
 * Asks PostgreSQL for a CHECKPOINT, so that the next scenario does not pay for the previous one's writes: the intake
 * scenario's inserts leave enough WAL behind for a checkpoint that would otherwise run through the pipeline scenario
 * (a minute of writes, and a full-page image in the WAL for every page touched first after it began), seen once as a
 * p99 overhead of 320 ms there against 94 ms for the same code measured alone. A scenario's own writes may still
 * trigger one: that cost is its own. Needs the right to checkpoint (superuser or pg_checkpoint); without it the run
 * goes on and says so.
 */
export async function checkpoint(databaseUrl: string, log: (line: string) => void): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query('CHECKPOINT');
  } catch (error) {
    log(`CHECKPOINT before the scenario failed (${(error as Error).message}); it may pay for the previous one's writes`);
  } finally {
    await client.end().catch(() => {});
  }
}
