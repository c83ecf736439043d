// Talks to the gateway (same origin). Every failure becomes an ApiError with the status and the gateway's RFC 9457
// problem details. Those are written for developers and name API fields, so the page never shows `detail` to the
// customer: messages.js turns a failure into the page's own words.
import { texts } from './messages.js';

export class ApiError extends Error {
  constructor(status, detail, retryAfterSeconds, problem) {
    super(detail);
    this.status = status;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
    this.problem = problem;
  }
}

async function readBody(response) {
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('json')) return undefined;
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}

function problemOf(response, body) {
  const detail = body?.detail ?? body?.title ?? `Something went wrong (HTTP ${response.status}). Please try again.`;
  const retryAfter = Number(response.headers.get('retry-after'));
  const wait = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined;
  return new ApiError(response.status, String(detail), wait, body);
}

/** One JSON call: resolves to the parsed body, rejects with an ApiError (status 0 when the network failed). */
export async function api(path, { method = 'GET', body, token, headers = {} } = {}) {
  const allHeaders = { accept: 'application/json, application/problem+json', ...headers };
  if (body !== undefined) allHeaders['content-type'] = 'application/json';
  if (token) allHeaders.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, { method, headers: allHeaders, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, texts.unreachable);
  }
  const parsed = await readBody(response);
  if (!response.ok) throw problemOf(response, parsed);
  return parsed;
}

/**
 * The signed-in customer's client: adds the bearer token, and reports a refused token (expired, or signed out
 * elsewhere) once through `onUnauthorized` so the page can ask the customer to sign in again.
 */
export function createClient({ getToken, onUnauthorized }) {
  return async (path, options = {}) => {
    try {
      return await api(path, { ...options, token: getToken() });
    } catch (error) {
      if (error.status === 401 && getToken()) onUnauthorized();
      throw error;
    }
  };
}
