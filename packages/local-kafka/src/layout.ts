import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the local broker keeps its jars, configuration, data and logs. Nothing here is tracked by git. */
export const KAFKA_VERSION = '4.1.1';
export const packageDir = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const pomFile = join(packageDir, 'pom.xml');

const cacheRoot = process.env.LOCAL_KAFKA_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'bank-voucher-kafka');
export const jarsDir = join(cacheRoot, `kafka-${KAFKA_VERSION}`, 'libs');

const stateRoot = process.env.LOCAL_KAFKA_HOME ?? join(cacheRoot, 'broker');
export const configFile = join(stateRoot, 'server.properties');
export const log4jFile = join(stateRoot, 'log4j2.properties');
export const dataDir = join(stateRoot, 'data');
export const logsDir = join(stateRoot, 'logs');
export const pidFile = join(stateRoot, 'broker.pid');
export const stdoutFile = join(logsDir, 'stdout.log');

export const host = '127.0.0.1';
export const port = 9092;
export const controllerPort = 9093;
