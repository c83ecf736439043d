export { bootstrapAddress, startBroker, stopBroker } from './broker.ts';
export { MissingToolError } from './provision.ts';
