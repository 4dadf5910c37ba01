import type { Logger } from 'pino';
import type { Clock } from '../ids.js';
import type { Storage } from '../storage/storage.js';

/** Events deleted per statement, so one purge never holds a long lock. */
const PURGE_BATCH = 5000;
const MICROS_PER_DAY = 24 * 60 * 60 * 1_000_000;

/**
 * Deletes events older than `retentionDays` in batches, yielding to requests between batches.
 * Returns how many were deleted. A retention of 0 keeps every event.
 *
 * @example
 * await purgeExpiredEvents(storage, systemClock, 90, logger);
 */
export async function purgeExpiredEvents(
  storage: Storage,
  clock: Clock,
  retentionDays: number,
  logger: Logger,
): Promise<number> {
  if (retentionDays <= 0) {
    return 0;
  }
  const cutoff = clock.nowMicros() - retentionDays * MICROS_PER_DAY;
  let total = 0;
  for (;;) {
    const deleted = await storage.deleteEventsBefore(cutoff, PURGE_BATCH);
    total += deleted;
    if (deleted < PURGE_BATCH) {
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (total > 0) {
    logger.info({ deleted: total, retention_days: retentionDays }, 'deleted expired events');
  }
  return total;
}
