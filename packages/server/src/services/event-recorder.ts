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
 * loop are written in a single transaction, and each `record()` resolves only after that
 * transaction commits. Responses wait for it, so every answered request has its event stored,
 * while the cost of a commit is shared by every request in the batch.
 */
export class EventRecorder {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #pending: PendingEvent[] = [];
  #scheduled = false;
  #flushing: Promise<void> | undefined;

  constructor(storage: Storage, clock: Clock, logger: Logger) {
    this.#storage = storage;
    this.#clock = clock;
    this.#logger = logger;
  }

  /**
   * Queues an event and resolves once it is committed. `data` must hold ids and names only,
   * never key material or values.
   */
  record(environmentId: string, event: string, data: Record<string, unknown>, organizationId?: string): Promise<void> {
    const record: EventRecord = {
      id: newId('event'),
      environmentId,
      event,
      organizationId: organizationId ?? null,
      data: JSON.stringify(data),
      createdAt: this.#clock.nowMicros(),
    };
    return new Promise((resolve, reject) => {
      this.#pending.push({ record, resolve, reject });
      this.#schedule();
    });
  }

  /** Writes everything queued so far; used at shutdown. */
  async flush(): Promise<void> {
    while (this.#pending.length > 0 || this.#flushing !== undefined) {
      if (this.#flushing !== undefined) {
        await this.#flushing;
      } else {
        await this.#writeBatch();
      }
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#flushing !== undefined) {
      return;
    }
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#writeBatch();
    });
  }

  #writeBatch(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
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
        this.#flushing = undefined;
        if (this.#pending.length > 0) {
          this.#schedule();
        }
      });
    this.#flushing = write;
    return write;
  }
}
