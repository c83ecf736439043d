export { call } from './http.ts';
export { openEventStream, type ServerSentEvent } from './sse.ts';
export { startExtraProcess, startStack, type Stack } from './stack.ts';
