import { BlockList, isIP } from 'node:net';
import { webhookKey } from './callback-signature.ts';
import { databaseSettings, kafkaSettings, loadConfig, logSettings, setting, type Setting } from '@voucher/platform/config';
import { staffSettings } from '@voucher/platform/http';

/** An integer that may be left unset, so its default can be derived from another setting. */
const optionalInteger =
  (options: { min: number; max?: number }): Setting<number | undefined> =>
  (raw) =>
    raw === undefined || raw.trim() === '' ? undefined : setting.integer(undefined, options)(raw);

/** A `whsec_<base64>` secret, optional: its key bytes, or undefined when unset. */
const optionalWebhookSecret: Setting<Buffer | undefined> = (raw) => (raw?.trim() ? webhookKey(raw) : undefined);

/** A comma list of addresses or CIDR ranges (IPv4 or IPv6), optional: the list to check against, or undefined. */
const optionalAddressList: Setting<BlockList | undefined> = (raw) => {
  if (!raw?.trim()) return undefined;
  const list = new BlockList();
  for (const entry of raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
    if (
      family === 0 ||
      !Number.isInteger(bits) ||
      bits < 0 ||
      bits > (family === 6 ? 128 : 32) ||
      (prefix !== undefined && !/^\d+$/.test(prefix))
    ) {
      throw new Error(`must be a comma list of addresses or CIDR ranges, got '${entry}'`);
    }
    list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
};

export const configSpec = {
  INTEGRATION_PORT: setting.integer(8082, { min: 0, max: 65535 }),
  HOST: setting.string('127.0.0.1'),
  VPS_URL: setting.url('http://127.0.0.1:8081'),
  /** The base the VPS calls back; the callback URL is `${INTEGRATION_PUBLIC_URL}/api/voucher-code/vps/response`. */
  INTEGRATION_PUBLIC_URL: setting.url('http://127.0.0.1:8082'),
  VPS_ACK_AFTER_MS: setting.integer(3000, { min: 1 }),
  WEB_DEADLINE_MS: setting.integer(30_000, { min: 1 }),
  /** Default: VPS_ACK_AFTER_MS + 2000, so the VPS's acknowledgement always arrives before we give up on it. */
  VPS_REQUEST_TIMEOUT_MS: optionalInteger({ min: 1 }),
  VPS_MAX_ATTEMPTS: setting.integer(5, { min: 1, max: 100 }),
  VPS_RETRY_BASE_MS: setting.integer(200, { min: 1 }),
  VPS_RETRY_MAX_MS: setting.integer(5000, { min: 1 }),
  // HTTP/1.1 carries one call per connection: as many connections as calls in flight, or the VPS's latency caps throughput.
  VPS_MAX_CONNECTIONS: setting.integer(4000, { min: 1, max: 100_000 }),
  /**
   * How long a challenge waits for the VPS's callback before the VPS is asked about it again. Keep it well beyond the
   * VPS's callback retry window (the simulator's VPS_CALLBACK_RETRY_WINDOW_MS, 10 min), so that a callback retried
   * through an outage of this service or the broker still finds its challenge waiting.
   */
  CHALLENGE_TTL_MS: setting.integer(15 * 60 * 1000, { min: 1 }),
  /** How many times an expired challenge is asked about again (same requestId) before its request ends FAILED. */
  CHALLENGE_REASKS: setting.integer(2, { min: 0, max: 100 }),
  /**
   * How long after a request's deadline a call the VPS may have taken without answering (every attempt timed out or
   * was cut off after it was sent) is asked about again, once per call lease; then the request ends FAILED and is
   * counted for reconciliation (vps_unanswered_given_up_total). Keep it below the gateway's OUTCOME_GRACE_MS (60 min),
   * so that the customer hears this service's outcome rather than the gateway's last resort.
   */
  VPS_UNANSWERED_WINDOW_MS: setting.integer(30 * 60 * 1000, { min: 0 }),
  /**
   * Whether a 202 with a `plain` PKCE challenge is taken. A plain challenge is its own verifier, so whoever sees the
   * 202 can redeem the request first; off by default (such a 202 is an invalid answer), warned at start-up when on.
   */
  PKCE_ALLOW_PLAIN: setting.boolean(false),
  /**
   * When set (`whsec_<base64>`, the same as the VPS's), every callback must carry a valid Standard Webhooks signature
   * made with it (or with VPS_CALLBACK_SECRET_PREVIOUS during a rotation), within 5 minutes, with an unseen webhook-id.
   */
  VPS_CALLBACK_SECRET: optionalWebhookSecret,
  VPS_CALLBACK_SECRET_PREVIOUS: optionalWebhookSecret,
  /** Callbacks a minute per source address, counted in memory by each replica. */
  CALLBACK_RATE_LIMIT_PER_MINUTE: setting.integer(6000, { min: 1, max: 10_000_000 }),
  /** The VPS's addresses or CIDR ranges; callbacks from elsewhere get 403. Unset: anyone may call. */
  CALLBACK_ALLOWED_ADDRESSES: optionalAddressList,
  /** At a 3 s VPS latency one replica must keep thousands of calls in flight. */
  CONSUMER_CONCURRENCY: setting.integer(4000, { min: 1, max: 100_000 }),
  SWEEP_INTERVAL_MS: setting.integer(10_000, { min: 10 }),
  SWEEP_BATCH_SIZE: setting.integer(500, { min: 1, max: 100_000 }),
  /** How long a settled request is remembered (redeliveries within it are recognised); at least Kafka's retention. */
  RECORD_RETENTION_MS: setting.integer(7 * 24 * 3600 * 1000, { min: 1 }),
  DATABASE_POOL_SIZE: setting.integer(20, { min: 1, max: 1000 }),
  /** How often the outbox relay looks for receive-code records to publish when no commit pokes it. */
  OUTBOX_POLL_MS: setting.integer(1000, { min: 10 }),
  /** Records published in one produce request at most. */
  OUTBOX_BATCH_SIZE: setting.integer(1000, { min: 1, max: 100_000 }),
  /**
   * How long a relay holds the records it leased before another may publish them again; longer than a publish can take
   * (the producer gives up after 10 s), or a slow publish would be repeated while it is still in flight.
   */
  OUTBOX_LEASE_MS: setting.integer(30_000, { min: 100 }),
  /** Backoff between attempts to publish records while the broker fails: from the base, doubling, up to the cap. */
  OUTBOX_RETRY_BASE_MS: setting.integer(200, { min: 1 }),
  OUTBOX_RETRY_MAX_MS: setting.integer(5000, { min: 1 }),
  ...staffSettings,
  ...kafkaSettings,
  ...databaseSettings,
  ...logSettings,
};

type RawConfig = ReturnType<typeof loadConfig<typeof configSpec>>;
export type Config = Omit<RawConfig, 'VPS_REQUEST_TIMEOUT_MS'> & { VPS_REQUEST_TIMEOUT_MS: number };

export function readConfig(source: NodeJS.ProcessEnv = process.env): Config {
  const raw = loadConfig(configSpec, source);
  return { ...raw, VPS_REQUEST_TIMEOUT_MS: raw.VPS_REQUEST_TIMEOUT_MS ?? raw.VPS_ACK_AFTER_MS + 2000 };
}
