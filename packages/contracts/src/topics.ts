/** Topic names from the seed; each has a `<topic>.dlq` twin for records that fail validation. */
export const Topics = {
  requestCode: 'request-code',
  receiveCode: 'receive-code',
} as const;

export const ConsumerGroups = {
  integration: 'voucher-integration',
  voucherService: 'voucher-service',
  gateway: 'gateway',
} as const;
