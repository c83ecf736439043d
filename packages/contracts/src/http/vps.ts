/**
 * The VPS's interface (the third party's, played by the simulator in services/vps; docs/CONTRACT.md, "VPS contract"):
 * `POST {VPS_URL}/api/request/voucher` with `{phoneNumber, callbackUrl, requestId?}`. The simulator serves it, the
 * integration service calls it, and the chaos run's wiretap recognises its calls by it.
 */
export const VPS_REQUEST_PATH = '/api/request/voucher';
