import type { ReceiveCodeMessage } from '@voucher/contracts';
import type { RecordContext } from '@voucher/platform/kafka';
import type { Logger } from '@voucher/platform/logging';
import { VoucherServiceErrors } from '../errors.ts';
import type { VoucherMetrics } from '../metrics.ts';
import type { VoucherStore } from '../store/voucher-store.ts';

/**
 * Persists each receive-code outcome once (step 8 of the seed). Redeliveries are counted and ignored; a code that
 * already belongs to another request is refused to the dead-letter topic, because a code must never be given to
 * two customers. Database errors propagate: the consumer retries them, unless the database says no retry can fix one.
 */
export function createVoucherRecorder(deps: { store: VoucherStore; metrics: VoucherMetrics; logger: Logger }) {
  const { store, metrics, logger } = deps;
  return async (message: ReceiveCodeMessage, context: RecordContext): Promise<void> => {
    const result = await store.save(message);
    const where = { requestId: message.requestId, partition: context.partition, offset: String(context.offset) };
    switch (result.kind) {
      case 'stored':
        metrics.stored.inc({ status: message.status });
        logger.debug({ ...where, status: message.status, channel: message.channel }, 'voucher outcome stored');
        return;
      case 'duplicate':
        metrics.duplicates.inc();
        if (result.differs)
          logger.warn({ ...where, status: message.status }, 'request already stored with a different outcome; kept the first');
        return;
      case 'code-taken':
        metrics.codeReuse.inc();
        logger.error({ ...where, ownerRequestId: result.ownerRequestId }, 'voucher code already belongs to another request; refused');
        throw VoucherServiceErrors.CODE_TAKEN(`voucher code already belongs to request ${result.ownerRequestId}`);
    }
  };
}
