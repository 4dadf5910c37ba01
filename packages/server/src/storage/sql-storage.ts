import type { Kysely, Selectable } from 'kysely';
import { smallestIdAt } from '../ids.js';
import * as objects from './object-queries.js';
import type {
  ApiKeyRecord,
  EnvironmentRecord,
  EventListQuery,
  EventRecord,
  IdempotencyRecord,
  KekRecord,
  KekState,
  KekVersionRecord,
  KekWithVersion,
  ObjectListQuery,
  ObjectRecord,
  ObjectVersionRecord,
  StoredObject,
} from './records.js';
import type { ApiKeysTable, Database, EnvironmentsTable, KeksTable, KekVersionsTable } from './schema.js';
import type {
  DeleteObjectResult,
  InsertKekResult,
  InsertObjectResult,
  ObjectInsert,
  ObjectUpdate,
  Storage,
  WriteObjectResult,
} from './storage.js';

/** Maximum rows in one multi-row INSERT, well under SQLite's limit of 32,766 bound parameters. */
const INSERT_CHUNK_ROWS = 500;

/**
 * The storage interface written once in Kysely for both dialects. Backend folders open the
 * connection and pass it here; dialect differences stay in those folders and the migrations.
 */
export class SqlStorage implements Storage {
  readonly backend: 'sqlite' | 'postgres';
  protected readonly db: Kysely<Database>;
  readonly #onClose: () => Promise<void>;

  constructor(db: Kysely<Database>, backend: 'sqlite' | 'postgres', onClose: () => Promise<void>) {
    this.db = db;
    this.backend = backend;
    this.#onClose = onClose;
  }

  async getMeta(name: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('coffer_meta').select('value').where('name', '=', name).executeTakeFirst();
    return row?.value;
  }

  async insertMetaIfAbsent(name: string, value: string): Promise<string> {
    await this.db
      .insertInto('coffer_meta')
      .values({ name, value })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const stored = await this.getMeta(name);
    if (stored === undefined) {
      throw new Error(`coffer_meta row ${name} vanished right after it was inserted`);
    }
    return stored;
  }

  async findEnvironmentByName(name: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? undefined : toEnvironment(row);
  }

  async findEnvironmentById(id: string): Promise<EnvironmentRecord | undefined> {
    const row = await this.db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toEnvironment(row);
  }

  async insertEnvironment(environment: EnvironmentRecord): Promise<EnvironmentRecord> {
    await this.db
      .insertInto('environments')
      .values({ id: environment.id, name: environment.name, created_at: environment.createdAt })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    const stored = await this.findEnvironmentByName(environment.name);
    if (stored === undefined) {
      throw new Error(`environment ${environment.name} vanished right after it was inserted`);
    }
    return stored;
  }

  async listEnvironments(): Promise<EnvironmentRecord[]> {
    const rows = await this.db.selectFrom('environments').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toEnvironment);
  }

  async insertApiKey(apiKey: ApiKeyRecord): Promise<void> {
    await this.db
      .insertInto('api_keys')
      .values({
        id: apiKey.id,
        environment_id: apiKey.environmentId,
        name: apiKey.name,
        secret_hash: apiKey.secretHash,
        secret_hint: apiKey.secretHint,
        created_at: apiKey.createdAt,
        revoked_at: apiKey.revokedAt,
      })
      .execute();
  }

  async findApiKeyByHash(secretHash: Buffer): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async findApiKeyById(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async countApiKeys(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('count'))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.selectFrom('api_keys').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toApiKey);
  }

  async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: revokedAt })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findKekByContext(
    environmentId: string,
    contextKey: string,
    contextValue: string,
  ): Promise<KekWithVersion | undefined> {
    const row = await this.db
      .selectFrom('keks')
      .innerJoin('kek_versions', (join) =>
        join.onRef('kek_versions.kek_id', '=', 'keks.id').onRef('kek_versions.version', '=', 'keks.current_version'),
      )
      .selectAll('keks')
      .select([
        'kek_versions.wrapped_material',
        'kek_versions.provider',
        'kek_versions.created_at as version_created_at',
      ])
      .where('keks.environment_id', '=', environmentId)
      .where('keks.context_key', '=', contextKey)
      .where('keks.context_value', '=', contextValue)
      .executeTakeFirst();
    return row === undefined ? undefined : toKekWithVersion(row, row.current_version);
  }

  async findKekVersion(kekId: string, version: number): Promise<KekWithVersion | undefined> {
    const row = await this.db
      .selectFrom('keks')
      .innerJoin('kek_versions', 'kek_versions.kek_id', 'keks.id')
      .selectAll('keks')
      .select([
        'kek_versions.wrapped_material',
        'kek_versions.provider',
        'kek_versions.created_at as version_created_at',
      ])
      .where('keks.id', '=', kekId)
      .where('kek_versions.version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : toKekWithVersion(row, version);
  }

  async insertKek(kek: KekRecord, version: KekVersionRecord, events: readonly EventRecord[]): Promise<InsertKekResult> {
    const inserted = await this.db.transaction().execute(async (trx) => {
      const result = await trx
        .insertInto('keks')
        .values({
          id: kek.id,
          environment_id: kek.environmentId,
          context_key: kek.contextKey,
          context_value: kek.contextValue,
          state: kek.state,
          current_version: kek.currentVersion,
          created_at: kek.createdAt,
        })
        .onConflict((conflict) => conflict.columns(['environment_id', 'context_key', 'context_value']).doNothing())
        .executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
        return false;
      }
      await trx
        .insertInto('kek_versions')
        .values({
          kek_id: version.kekId,
          version: version.version,
          wrapped_material: version.wrappedMaterial,
          provider: version.provider,
          created_at: version.createdAt,
        })
        .execute();
      await objects.appendEventRows(trx, events);
      return true;
    });

    if (inserted) {
      return { kek, version, created: true };
    }
    const winner = await this.findKekByContext(kek.environmentId, kek.contextKey, kek.contextValue);
    if (winner === undefined) {
      throw new Error(`KEK insert for environment ${kek.environmentId} lost a race but no winner is visible`);
    }
    return { ...winner, created: false };
  }

  insertObject(insert: ObjectInsert): Promise<InsertObjectResult> {
    return objects.insertObject(this.db, insert);
  }

  findObjectById(environmentId: string, id: string): Promise<StoredObject | undefined> {
    return objects.findObject(this.db, environmentId, { id });
  }

  findObjectByName(environmentId: string, name: string): Promise<StoredObject | undefined> {
    return objects.findObject(this.db, environmentId, { name });
  }

  updateObject(update: ObjectUpdate): Promise<WriteObjectResult> {
    return objects.updateObject(this.db, update);
  }

  deleteObject(
    environmentId: string,
    id: string,
    versionCheck: string | undefined,
    eventsFor: (name: string) => readonly EventRecord[],
  ): Promise<DeleteObjectResult> {
    return objects.deleteObject(this.db, environmentId, id, versionCheck, eventsFor);
  }

  listObjects(query: ObjectListQuery): Promise<{ objects: ObjectRecord[]; hasMore: boolean }> {
    return objects.listObjects(this.db, this.backend, query);
  }

  listObjectVersions(
    environmentId: string,
    id: string,
  ): Promise<{ object: ObjectRecord; versions: ObjectVersionRecord[] } | undefined> {
    return objects.listObjectVersions(this.db, environmentId, id);
  }

  findIdempotencyRecord(apiKeyId: string, idempotencyKey: string): Promise<IdempotencyRecord | undefined> {
    return objects.findIdempotencyRecord(this.db, apiKeyId, idempotencyKey);
  }

  deleteIdempotencyRecords(createdBefore: number): Promise<number> {
    return objects.deleteIdempotencyRecords(this.db, createdBefore);
  }

  async listEvents(query: EventListQuery): Promise<{ events: EventRecord[]; hasMore: boolean }> {
    // `before` walks backwards: fetch in the opposite order, then reverse to the requested order.
    const backwards = query.before !== undefined;
    const ascending = (query.order === 'asc') !== backwards;

    let statement = this.db.selectFrom('events').selectAll().where('environment_id', '=', query.environmentId);
    const cursor = query.before ?? query.after;
    if (cursor !== undefined) {
      statement = statement.where('id', ascending ? '>' : '<', cursor);
    }
    if (query.events.length > 0) {
      statement = statement.where('event', 'in', query.events);
    }
    if (query.organizationId !== undefined) {
      statement = statement.where('organization_id', '=', query.organizationId);
    }
    if (query.rangeStart !== undefined) {
      statement = statement.where('created_at', '>=', query.rangeStart);
    }
    if (query.rangeEnd !== undefined) {
      statement = statement.where('created_at', '<', query.rangeEnd);
    }

    const rows = await statement
      .orderBy('id', ascending ? 'asc' : 'desc')
      .limit(query.limit + 1)
      .execute();
    const events = rows.slice(0, query.limit).map((row) => ({
      id: row.id,
      environmentId: row.environment_id,
      event: row.event,
      organizationId: row.organization_id,
      data: row.data,
      createdAt: Number(row.created_at),
    }));
    return { events: backwards ? events.reverse() : events, hasMore: rows.length > query.limit };
  }

  async deleteEventsBefore(createdBefore: number, limit: number): Promise<number> {
    // Event ids are ULIDs, so an id range is a time range that the primary key index finds. An index
    // on created_at would cost every event insert one more b-tree update.
    const cutoff = smallestIdAt('event', Math.floor(createdBefore / 1000));
    const expired = this.db.selectFrom('events').select('id').where('id', '<', cutoff).orderBy('id').limit(limit);
    const result = await this.db.deleteFrom('events').where('id', 'in', expired).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async appendEvents(events: readonly EventRecord[]): Promise<void> {
    if (events.length === 0) {
      return;
    }
    await this.db.transaction().execute(async (trx) => {
      for (let start = 0; start < events.length; start += INSERT_CHUNK_ROWS) {
        await objects.appendEventRows(trx, events.slice(start, start + INSERT_CHUNK_ROWS));
      }
    });
  }

  async close(): Promise<void> {
    await this.#onClose();
    await this.db.destroy();
  }
}

function toEnvironment(row: Selectable<EnvironmentsTable>): EnvironmentRecord {
  return { id: row.id, name: row.name, createdAt: Number(row.created_at) };
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    environmentId: row.environment_id,
    name: row.name,
    secretHash: Buffer.from(row.secret_hash),
    secretHint: row.secret_hint,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

type KekJoinRow = Selectable<KeksTable> &
  Pick<Selectable<KekVersionsTable>, 'wrapped_material' | 'provider'> & { version_created_at: number };

function toKekWithVersion(row: KekJoinRow, version: number): KekWithVersion {
  return {
    kek: {
      id: row.id,
      environmentId: row.environment_id,
      contextKey: row.context_key,
      contextValue: row.context_value,
      state: row.state as KekState,
      currentVersion: Number(row.current_version),
      createdAt: Number(row.created_at),
    },
    version: {
      kekId: row.id,
      version: Number(version),
      wrappedMaterial: Buffer.from(row.wrapped_material),
      provider: row.provider,
      createdAt: Number(row.version_created_at),
    },
  };
}
