import { Pool } from 'undici';
import { VPS_REQUEST_PATH } from '@voucher/contracts';
import { interpretVpsAnswer, type VpsAnswer, type VpsFailure } from './vps-answer.ts';

export interface VpsVoucherCall {
  phoneNumber: string;
  callbackUrl: string;
  /** Makes the VPS treat a retry as the same request. */
  requestId: string;
}

export interface VpsClientOptions {
  vpsUrl: string;
  maxConnections: number;
  timeoutMs: number;
  /** Whether a 202 with a plain challenge is an answer (PKCE_ALLOW_PLAIN); otherwise it is invalid and retried. */
  allowPlain?: boolean;
}

/** A valid answer is tiny; a larger one is not the VPS contract, and undici stops reading it at this size. */
const maxAnswerBytes = 16 * 1024;

const timeoutCodes = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
/** Errors raised before a connection existed: the call was never sent. */
const unreachableCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

function failureOf(code: string): VpsFailure {
  if (timeoutCodes.has(code)) return 'timeout';
  return unreachableCodes.has(code) ? 'unreachable' : 'dropped';
}

/** The VPS's `POST /api/request/voucher`, over a bounded pool of keep-alive connections. */
export class VpsClient {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #allowPlain: boolean;

  constructor(options: VpsClientOptions) {
    const url = new URL(options.vpsUrl);
    this.#pool = new Pool(url.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      maxResponseSize: maxAnswerBytes,
    });
    this.#path = `${url.pathname.replace(/\/+$/, '')}${VPS_REQUEST_PATH}`;
    this.#timeoutMs = options.timeoutMs;
    this.#allowPlain = options.allowPlain ?? false;
  }

  /** One call; never throws: whatever the VPS or the network did becomes an answer. */
  async requestVoucher(request: VpsVoucherCall): Promise<VpsAnswer> {
    try {
      const response = await this.#pool.request({
        path: this.#path,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(request),
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      return interpretVpsAnswer(response.statusCode, parseJson(await response.body.text()), { allowPlain: this.#allowPlain });
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE')
        return { kind: 'error', outcome: 'invalid', reason: `VPS answered more than ${maxAnswerBytes} bytes` };
      return { kind: 'error', outcome: failureOf(code), reason: `VPS call failed: ${code || (error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
