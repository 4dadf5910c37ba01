import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** A Kysely handle that queries run on: the database itself, or an open transaction. */
export type Db = Kysely<Database> | Transaction<Database>;

/**
 * Runs `work` atomically: everything it writes commits, or nothing does. A `Rollback` thrown by
 * `work` undoes its writes and becomes the return value; any other error undoes them and is
 * raised.
 */
export type TransactionRunner = <T>(work: (trx: Db) => Promise<T>) => Promise<T>;

/** Thrown inside a transaction to roll it back and report a result that wrote nothing. */
export class Rollback<T> extends Error {
  readonly result: T;

  constructor(result: T) {
    super('rollback');
    this.result = result;
  }
}

/**
 * Returns the runner that gives every unit of work its own Kysely transaction.
 *
 * @example
 * const result = await ownTransactions(db)(async (trx) => trx.insertInto('events').values(row).execute());
 */
export function ownTransactions(db: Kysely<Database>): TransactionRunner {
  return async <T>(work: (trx: Db) => Promise<T>): Promise<T> => {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (error instanceof Rollback) {
        return error.result as T;
      }
      throw error;
    }
  };
}
