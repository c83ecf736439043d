export { decodeReceiveCode, decodeRequestCode, jsonDecoder } from './decoders.ts';
export {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  MAX_TEXTED_PER_REPORT,
  StoredVoucher,
  StoredVoucherParams,
  TextedVouchers,
  VoucherListQuery,
  VoucherPage,
} from './http/voucher-service.ts';
export { VPS_REQUEST_PATH } from './http/vps.ts';
export { Channel, E164, ReceiveCodeMessage, RequestCodeMessage, RequestId, VoucherCode, VoucherStatus } from './messages.ts';
export { isKnownRegion, normalizePhoneNumber, type PhoneResult } from './phone-number.ts';
export { ConsumerGroups, Topics } from './topics.ts';
export {
  decodeSupportPart,
  inTimeOrder,
  maskVoucherCode,
  SUPPORT_STEPS,
  SupportParams,
  SupportPart,
  SupportPartStatus,
  SupportService,
  SupportStep,
  SupportStepName,
  SupportTimeline,
} from './http/support-view.ts';
