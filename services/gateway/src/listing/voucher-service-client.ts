import { Pool, type Dispatcher } from 'undici';
import { GatewayErrors } from '../errors.ts';

export interface ListingQuery {
  phoneNumber: string;
  limit?: number;
  cursor?: string;
}

const UNAVAILABLE = 'The voucher store cannot be reached right now; try again shortly.';

const isJson = (contentType: string | string[] | undefined) =>
  typeof contentType === 'string' && contentType.startsWith('application/json');

/**
 * Steps 11-12 of the seed: asks voucher-service for a customer's codes over a keep-alive connection pool, with the
 * service token (VOUCHER_SERVICE_TOKEN) as a bearer token on every call, since voucher-service answers only the
 * gateway. Its 400 (a tampered or foreign cursor, a bad limit) is the customer's mistake and passes through as a 400;
 * anything else going wrong there (also a 401: the two tokens differ) is answered 503, so the page can retry. It also
 * reports the codes the gateway texted (the listing's channel, DECISIONS.md).
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

  /**
   * The page as voucher-service wrote it: JSON by the schema the gateway's route answers with (VoucherPage), so its bytes
   * go to the customer as they are.
   */
  async listVouchers(query: ListingQuery): Promise<Buffer> {
    const search = new URLSearchParams({ phoneNumber: query.phoneNumber });
    if (query.limit !== undefined) search.set('limit', String(query.limit));
    if (query.cursor !== undefined) search.set('cursor', query.cursor);
    const response = await this.#call({ method: 'GET', path: `/api/vouchers?${search}` });
    if (response.statusCode === 200 && isJson(response.headers['content-type'])) {
      const json = await response.body.arrayBuffer().catch(() => undefined);
      if (json) return Buffer.from(json);
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
    }
    const body = (await response.body.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (response.statusCode === 400) throw GatewayErrors.LISTING_REFUSED(String(body?.detail ?? 'The listing request is not valid.'));
    throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
  }

  /** Tells voucher-service these codes were texted; resolves once it has recorded them (204). */
  async reportTexted(texted: ReadonlyArray<{ requestId: string; phoneNumber: string }>): Promise<void> {
    const response = await this.#call({
      method: 'POST',
      path: '/api/vouchers/texted',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ texted: texted.map(({ requestId, phoneNumber }) => ({ requestId, phoneNumber })) }),
    });
    await response.body.dump();
    if (response.statusCode !== 204) {
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(`voucher-service answered ${response.statusCode} to the report of texted codes`);
    }
  }

  async #call(options: { method: Dispatcher.HttpMethod; path: string; headers?: Record<string, string>; body?: string }) {
    try {
      return await this.#pool.request({
        ...options,
        headers: { ...options.headers, authorization: this.#authorization },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
    } catch {
      throw GatewayErrors.VOUCHER_STORE_UNAVAILABLE(UNAVAILABLE);
    }
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
