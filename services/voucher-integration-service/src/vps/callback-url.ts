/** The path the VPS calls back on (the seed's), served by routes/vps-callback.ts. */
export const vpsCallbackPath = '/api/voucher-code/vps/response';

/** The callback URL each call to the VPS names: INTEGRATION_PUBLIC_URL and the path. */
export const vpsCallbackUrl = (publicUrl: string): string => `${publicUrl}${vpsCallbackPath}`;
