export { bootstrapAddress, startBroker, stopBroker, type StartBrokerOptions, type StopBrokerOptions } from './broker.ts';
export { brokerLayout, clusterLayout, type BrokerLayout, type BrokerLayoutOptions, type ClusterLayout } from './layout.ts';
export { MissingToolError } from './provision.ts';
export { startCluster, stopCluster, type LocalCluster, type StartClusterOptions } from './cluster.ts';
