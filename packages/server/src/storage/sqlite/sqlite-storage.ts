import type { Kysely } from 'kysely';
import * as objects from '../object-queries.js';
import type { EventRecord, KekRecord, KekVersionRecord } from '../records.js';
import type { Database } from '../schema.js';
import { SqlStorage } from '../sql-storage.js';
import type {
  DeleteObjectResult,
  InsertKekResult,
  InsertObjectResult,
  ObjectInsert,
  ObjectUpdate,
  WriteObjectResult,
} from '../storage.js';
import { SqliteTransactionBatcher } from './sqlite-transaction-batcher.js';
import type { SqliteWriter } from './sqlite-writer.js';

/**
 * The SQLite backend: the shared Kysely queries on the main thread's connection. Event appends
 * and KEK inserts go through the group-committing writer thread, and object writes are batched
 * into one transaction per turn of the event loop, so each kind shares its fsyncs.
 */
export class SqliteStorage extends SqlStorage {
  readonly #writer: SqliteWriter;
  readonly #batcher: SqliteTransactionBatcher;

  constructor(db: Kysely<Database>, writer: SqliteWriter) {
    super(db, 'sqlite', () => writer.close());
    this.#writer = writer;
    this.#batcher = new SqliteTransactionBatcher(db);
  }

  override insertObject(insert: ObjectInsert): Promise<InsertObjectResult> {
    return objects.insertObject(this.db, insert, this.#batcher.run);
  }

  override updateObject(update: ObjectUpdate): Promise<WriteObjectResult> {
    return objects.updateObject(this.db, update, this.#batcher.run);
  }

  override deleteObject(
    environmentId: string,
    id: string,
    versionCheck: string | undefined,
    eventsFor: (name: string) => readonly EventRecord[],
  ): Promise<DeleteObjectResult> {
    return objects.deleteObject(this.db, environmentId, id, versionCheck, eventsFor, this.#batcher.run);
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
