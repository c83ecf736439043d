import type { Static } from '@sinclair/typebox';
import type { VoucherPage } from '@voucher/contracts';
import { Pool } from 'undici';
import { GatewayErrors } from '../errors.ts';

export interface ListingQuery {
  phoneNumber: string;
  limit?: number;
  cursor?: string;
}

const UNAVAILABLE = 'The voucher store cannot be reached right now; try again shortly.';

/**
 * voucher-service's page as it answered it: JSON written by the schema the gateway's route answers with (VoucherPage),
 * so the bytes can go to the customer as they are; page() reads them when something on the page has to change.
 */
export class ListingAnswer {
  readonly json: Buffer;

  constructor(json: Buffer) {
    this.json = json;
  }

  page(): Static<typeof VoucherPage> {
    try {
      return JSON.parse(this.json.toString('utf8')) as Static<typeof VoucherPage>;
    } catch {
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
    }
  }
}

const isJson = (contentType: string | string[] | undefined) =>
  typeof contentType === 'string' && contentType.startsWith('application/json');

/**
 * Steps 11-12 of the seed: asks voucher-service for a customer's codes over a keep-alive connection pool, with the
 * service token (VOUCHER_SERVICE_TOKEN) as a bearer token on every call, since voucher-service answers only the
 * gateway. Its 400 (a tampered or foreign cursor, a bad limit) is the customer's mistake and passes through as a 400;
 * anything else going wrong there (also a 401: the two tokens differ) is answered 503, so the page can retry.
 */
export class VoucherServiceClient {
  readonly #pool: Pool;
  readonly #timeoutMs: number;
  readonly #authorization: string;

  constructor(baseUrl: string, timeoutMs: number, serviceToken: string) {
    this.#pool = new Pool(baseUrl, { connections: 32, keepAliveTimeout: 30_000, connect: { timeout: timeoutMs } });
    this.#timeoutMs = timeoutMs;
    this.#authorization = `Bearer ${serviceToken}`;
  }

  async listVouchers(query: ListingQuery): Promise<ListingAnswer> {
    const search = new URLSearchParams({ phoneNumber: query.phoneNumber });
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    if (query.cursor !== undefined) search.set('cursor', query.cursor);
    let response;
    try {
      response = await this.#pool.request({
        method: 'GET',
        path: `/api/vouchers?${search}`,
        headers: { authorization: this.#authorization },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch {
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
    }
    if (response.statusCode === 200 && isJson(response.headers['content-type'])) {
      const json = await response.body.arrayBuffer().catch(() => undefined);
      if (json) return new ListingAnswer(Buffer.from(json));
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
    }
    const body = (await response.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.statusCode === 400) throw GatewayErrors.LISTING_REFUSED(String(body?.detail ?? 'The listing request is not valid.'));
    throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
