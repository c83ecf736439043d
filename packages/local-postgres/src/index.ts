export { DEFAULT_PORT, serverLayout, type ServerLayout } from './layout.ts';
export { startPostgres, stopPostgres, type LocalServer } from './server.ts';
