import type { Logger } from 'pino';
import { type Clock, newId } from '../ids.js';
import type { EventRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';

interface PendingEvent {
  record: EventRecord;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Records Vault events durably with group commit: events recorded during one turn of the event
 * loop are written in a single call to the storage, and each `record()` resolves only after that
 * write commits. Responses wait for it, so every request that gets a response has its event stored, while
 * the cost of a commit is shared by every request in the batch. Batches do not wait for each
 * other; the storage decides how many commits run at once.
 */
export class EventRecorder {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #pending: PendingEvent[] = [];
  #scheduled = false;
  readonly #writing = new Set<Promise<void>>();

  constructor(storage: Storage, clock: Clock, logger: Logger) {
    this.#storage = storage;
    this.#clock = clock;
    this.#logger = logger;
  }

  /**
   * Queues an event and resolves once it is committed. `data` is the event's `data` object as
   * JSON (see `eventData`) and must hold ids and names only, never key material or values.
   */
  record(environmentId: string, event: string, data: string, organizationId?: string): Promise<void> {
    const record: EventRecord = {
      id: newId('event'),
      environmentId,
      event,
      organizationId: organizationId ?? null,
      data,
      createdAt: this.#clock.nowMicros(),
    };
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  /** Writes everything queued so far and waits for every write under way; used at shutdown. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#writing.size > 0) {
      if (this.#pending.length > 0) {
        this.#writeBatch();
      }
      await Promise.allSettled([...this.#writing]);
    }
  }

  #schedule(): void {
    if (this.#scheduled) {
      return;
    }
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#writeBatch();
    });
  }

  #writeBatch(): void {
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) {
      return;
    }
    const write = this.#storage
      .appendEvents(batch.map((pending) => pending.record))
      .then(
        () => {
          for (const pending of batch) {
            pending.resolve();
          }
        },
        (error: unknown) => {
          this.#logger.error({ err: error, events: batch.length }, 'event batch write failed');
          for (const pending of batch) {
            pending.reject(error);
          }
        },
      )
      .finally(() => {
        this.#writing.delete(write);
      });
    this.#writing.add(write);
  }
}
