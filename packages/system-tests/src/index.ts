export { call } from './http.ts';
export { startExtraProcess, startStack, type Stack } from './stack.ts';
