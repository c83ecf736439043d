import { Gauge } from 'prom-client';
import { createHttpServer, type HttpServer } from '@voucher/platform/http';
import { boundAddress, startParts } from '@voucher/platform/lifecycle';
import type { Logger } from '@voucher/platform/logging';
import type { Config } from './config.ts';
import { SmsFaults } from './faults.ts';
import { requireBearer } from './admin-token.ts';
import { MessageStore } from './message-store.ts';
import { adminRoutes } from './routes/admin.ts';
import { inboxRoutes } from './routes/inbox.ts';
import { messagesRoutes } from './routes/messages.ts';
import { sendRoutes } from './routes/send.ts';

export interface SmsService {
  url: string;
  port: number;
  http: HttpServer;
  close(): Promise<void>;
}

/** Builds and starts the SMS simulator; `SMS_PORT=0` picks a free port (see `port`). */
export function startSms(config: Config, logger: Logger): Promise<SmsService> {
  return startParts(logger, async (parts) => {
    const http = createHttpServer('sms', logger);
    const store = new MessageStore(config.SMS_MAX_MESSAGES);
    const faults = new SmsFaults({ failNext: config.SMS_FAIL_NEXT, errorRate: config.SMS_ERROR_RATE });
    const sent = http.metrics.counter('sms_messages_sent_total', 'Messages recorded');
    new Gauge({
      name: 'sms_messages_stored',
      help: 'Messages the inbox holds',
      registers: [http.metrics.registry],
      collect() {
        this.set(store.size);
      },
    });
    const defaultRegion = config.DEFAULT_REGION;
    await http.register(sendRoutes, { store, faults, defaultRegion, onSent: () => sent.inc() });
    // The inbox's data shows every one-time code, and the admin routes change how sends behave: both need the token.
    await http.register(async (restricted) => {
      restricted.addHook('onRequest', requireBearer(config.SMS_ADMIN_TOKEN));
      await restricted.register(messagesRoutes, { store, defaultRegion });
      await restricted.register(adminRoutes, { faults });
    });
    if (config.LOCAL_DEMO && !config.SMS_ADMIN_TOKEN)
      logger.warn('LOCAL_DEMO=true without SMS_ADMIN_TOKEN: the inbox and /admin routes are open');
    await http.register(inboxRoutes);
    await http.listen({ port: config.SMS_PORT, host: config.HOST });
    parts.add(http);
    const { url, port } = boundAddress(http, config.HOST);
    logger.info({ port, url }, 'SMS simulator listening');
    return { url, port, http };
  });
}
