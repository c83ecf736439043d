export { call } from './http.ts';
export { startExtraProcess, startStack, type Stack, type StackOptions, type StackReplica } from './stack.ts';
