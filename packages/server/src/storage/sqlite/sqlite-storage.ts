import type { Kysely } from 'kysely';
import type { EventRecord, KekRecord, KekVersionRecord } from '../records.js';
import type { Database } from '../schema.js';
import { SqlStorage } from '../sql-storage.js';
import type { InsertKekResult } from '../storage.js';
import type { SqliteWriter } from './sqlite-writer.js';

/**
 * The SQLite backend: the shared Kysely queries on the main thread's connection, except event
 * appends and KEK inserts, which go through the group-committing writer thread.
 */
export class SqliteStorage extends SqlStorage {
  readonly #writer: SqliteWriter;

  constructor(db: Kysely<Database>, writer: SqliteWriter) {
    super(db, 'sqlite', () => writer.close());
    this.#writer = writer;
  }

  override async appendEvents(events: readonly EventRecord[]): Promise<void> {
    if (events.length > 0) {
      await this.#writer.appendEvents([...events]);
    }
  }

  override async insertKek(
    kek: KekRecord,
    version: KekVersionRecord,
    events: readonly EventRecord[],
  ): Promise<InsertKekResult> {
    if (await this.#writer.insertKek(kek, version, [...events])) {
      return { kek, version, created: true };
    }
    const winner = await this.findKekByContext(kek.environmentId, kek.contextKey, kek.contextValue);
    if (winner === undefined) {
      throw new Error(`KEK insert for environment ${kek.environmentId} lost a race but no winner is visible`);
    }
    return { ...winner, created: false };
  }
}
