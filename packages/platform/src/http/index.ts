export { createMetrics, type Metrics } from './metrics.ts';
export { HttpProblem, problem, sendProblem, type InvalidParam } from './problem.ts';
export { createHttpServer, type HttpServer, type ReadinessCheck } from './server.ts';
export { type AdminApp } from './admin-routes.ts';
export { registerStaffRoutes, requireStaffToken, staffSettings, SUPPORT_VIEW_OFF } from './staff-token.ts';
