export { bootstrapAddress, startBroker, stopBroker, type StartBrokerOptions, type StopBrokerOptions } from './broker.ts';
export { brokerLayout, type BrokerLayout, type BrokerLayoutOptions } from './layout.ts';
export { MissingToolError } from './provision.ts';
