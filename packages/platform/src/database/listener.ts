import pg from 'pg';
import { backoffDelay } from '../lifecycle/backoff.ts';

export interface Listener {
  close(): Promise<void>;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * LISTEN on a connection of its own that outlives any pooled query. When the server restarts or the connection
 * drops, it reconnects with backoff and listens again for as long as it is open; notifications sent while it was
 * away are lost (NOTIFY is not durable), so what listens must treat a notification as a hint, never as the record,
 * and look for what it missed in `onReconnect`.
 */
export async function listenWithReconnect(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
  onReconnect: () => void = () => {},
): Promise<Listener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: url });
    // Without an 'error' listener a dropped connection would crash the process.
    next.on('error', () => reconnect(next));
    next.on('end', () => reconnect(next));
    next.on('notification', (message) => message.channel === channel && onPayload(message.payload ?? ''));
    client = next;
    await next.connect();
    await next.query(`LISTEN ${quoteIdent(channel)}`);
    failures = 0;
  };

  /** Replaces a broken connection once, however many of its events report the break. */
  const reconnect = (broken: pg.Client): void => {
    if (closed || broken !== client) return;
    client = undefined;
    broken.end().catch(() => {});
    retry = setTimeout(
      () => {
        retry = undefined;
        connect().then(onReconnect, () => client && reconnect(client));
      },
      backoffDelay(++failures, 100, 5_000),
    );
    retry.unref();
  };

  await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
