export { decodeReceiveCode, decodeRequestCode, jsonDecoder, type Decoded } from './decoders.ts';
export { Channel, E164, ReceiveCodeMessage, RequestCodeMessage, RequestId, VoucherCode, VoucherStatus } from './messages.ts';
export { isKnownRegion, normalizePhoneNumber, type PhoneResult } from './phone-number.ts';
export { ConsumerGroups, Topics } from './topics.ts';
