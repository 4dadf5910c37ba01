import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import { type Db, Rollback } from '../transaction-runner.js';

interface QueuedWork {
  work: (trx: Db) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for object writes on SQLite. Units of work queued during one turn of the event
 * loop run one after another inside a single transaction, each in its own savepoint, so one
 * fsync commits them all. A unit that throws `Rollback` or any error undoes only its own
 * savepoint. A failed commit fails every unit of the batch, and none of their writes remain.
 */
export class SqliteTransactionBatcher {
  readonly #db: Kysely<Database>;
  #queue: QueuedWork[] = [];
  #scheduled = false;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  /** Queues `work` for the next batch; a `TransactionRunner`. */
  readonly run = <T>(work: (trx: Db) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          void this.#runBatch();
        });
      }
    });

  async #runBatch(): Promise<void> {
    const batch = this.#queue;
    this.#queue = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.#db.connection().execute(async (connection) => {
        await sql`begin immediate`.execute(connection);
        try {
          for (const item of batch) {
            outcomes.push(await runInSavepoint(connection, item.work));
          }
          await sql`commit`.execute(connection);
        } catch (error) {
          await sql`rollback`.execute(connection).catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      for (const item of batch) {
        item.reject(error);
      }
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok === true) {
        item.resolve(outcome.value);
      } else {
        item.reject(outcome?.error);
      }
    });
  }
}

async function runInSavepoint(
  connection: Kysely<Database>,
  work: (trx: Db) => Promise<unknown>,
): Promise<{ ok: true; value: unknown } | { ok: false; error: unknown }> {
  await sql`savepoint batch_item`.execute(connection);
  try {
    const value = await work(connection);
    await sql`release batch_item`.execute(connection);
    return { ok: true, value };
  } catch (error) {
    await sql`rollback to batch_item`.execute(connection);
    await sql`release batch_item`.execute(connection);
    return error instanceof Rollback ? { ok: true, value: error.result } : { ok: false, error };
  }
}
