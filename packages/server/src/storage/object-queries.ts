import { type Kysely, type Selectable, sql } from 'kysely';
import { runTemplate } from './query-template.js';
import type {
  EventRecord,
  IdempotencyRecord,
  ObjectListQuery,
  ObjectRecord,
  ObjectVersionRecord,
  StoredObject,
} from './records.js';
import type { Database, IdempotencyKeysTable, ObjectsTable, ObjectVersionsTable } from './schema.js';
import type {
  DeleteObjectResult,
  InsertObjectResult,
  ObjectInsert,
  ObjectUpdate,
  WriteObjectResult,
} from './storage.js';
import { type Db, ownTransactions, Rollback, type TransactionRunner } from './transaction-runner.js';

export async function insertObject(
  db: Kysely<Database>,
  insert: ObjectInsert,
  run: TransactionRunner = ownTransactions(db),
): Promise<InsertObjectResult> {
  const result = await run<InsertObjectResult | { status: 'idempotency_conflict' }>(async (trx) => {
    if (insert.idempotency !== undefined) {
      const claimed = await trx
        .insertInto('idempotency_keys')
        .values(idempotencyRow(insert.idempotency))
        .onConflict((conflict) => conflict.columns(['api_key_id', 'idempotency_key']).doNothing())
        .executeTakeFirst();
      if (Number(claimed.numInsertedOrUpdatedRows ?? 0) === 0) {
        throw new Rollback({ status: 'idempotency_conflict' as const });
      }
    }

    const inserted = await trx
      .insertInto('objects')
      .values(objectRow(insert.object))
      .onConflict((conflict) => conflict.columns(['environment_id', 'name']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new Rollback({ status: 'name_taken' as const });
    }
    await trx.insertInto('object_versions').values(versionRow(insert.version)).execute();
    await appendEventRows(trx, insert.events);
    return { status: 'created' as const };
  });

  if (result.status !== 'idempotency_conflict') {
    return result;
  }
  const idempotency = insert.idempotency as IdempotencyRecord;
  const existing = await findIdempotencyRecord(db, idempotency.apiKeyId, idempotency.idempotencyKey);
  if (existing === undefined) {
    throw new Error('an idempotency key conflicted but its record is not visible');
  }
  return { status: 'idempotency_key_taken', existing };
}

export async function findObject(
  db: Db,
  environmentId: string,
  by: { id: string } | { name: string },
): Promise<StoredObject | undefined> {
  const byId = 'id' in by;
  const key = byId ? by.id : by.name;
  const result = await runTemplate(
    db,
    byId ? 'object-by-id' : 'object-by-name',
    [environmentId, key],
    ([env, lookup]) =>
      db
        .selectFrom('objects')
        .innerJoin('object_versions', 'object_versions.id', 'objects.current_version_id')
        .selectAll('objects')
        .select([
          'object_versions.id as version_id',
          'object_versions.data_key_id',
          'object_versions.encrypted_keys',
          'object_versions.ciphertext',
          'object_versions.size',
          'object_versions.etag',
          'object_versions.created_at as version_created_at',
        ])
        .where('objects.environment_id', '=', env as string)
        .where(byId ? 'objects.id' : 'objects.name', '=', lookup as string),
  );
  const row = result.rows[0];
  if (row === undefined) {
    return undefined;
  }
  return {
    object: toObject(row),
    version: {
      id: row.version_id,
      objectId: row.id,
      dataKeyId: row.data_key_id,
      encryptedKeys: Buffer.from(row.encrypted_keys),
      ciphertext: Buffer.from(row.ciphertext),
      size: Number(row.size),
      etag: row.etag,
      createdAt: Number(row.version_created_at),
    },
  };
}

export async function updateObject(
  db: Kysely<Database>,
  update: ObjectUpdate,
  run: TransactionRunner = ownTransactions(db),
): Promise<WriteObjectResult> {
  const outcome = await run<'updated' | 'missed'>(async (trx) => {
    let statement = trx
      .updateTable('objects')
      .set({
        current_version_id: update.version.id,
        updated_at: update.updatedAt,
        updated_by_id: update.updatedById,
        updated_by_name: update.updatedByName,
      })
      .where('id', '=', update.objectId)
      .where('environment_id', '=', update.environmentId);
    if (update.versionCheck !== undefined) {
      statement = statement.where('current_version_id', '=', update.versionCheck);
    }
    const result = await statement.executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new Rollback('missed' as const);
    }
    await trx.insertInto('object_versions').values(versionRow(update.version)).execute();
    await appendEventRows(trx, update.events);
    return 'updated' as const;
  });

  if (outcome === 'missed') {
    return (await objectExists(db, update.environmentId, update.objectId))
      ? { status: 'version_mismatch' }
      : { status: 'not_found' };
  }
  const stored = await findObject(db, update.environmentId, { id: update.objectId });
  if (stored === undefined) {
    // Deleted by another request right after this update committed.
    return { status: 'not_found' };
  }
  return { status: 'updated', object: stored };
}

export async function deleteObject(
  db: Kysely<Database>,
  environmentId: string,
  id: string,
  versionCheck: string | undefined,
  eventsFor: (name: string) => readonly EventRecord[],
  run: TransactionRunner = ownTransactions(db),
): Promise<DeleteObjectResult> {
  const outcome = await run<{ name: string } | 'missed'>(async (trx) => {
    let statement = trx
      .deleteFrom('objects')
      .where('id', '=', id)
      .where('environment_id', '=', environmentId)
      .returning('name');
    if (versionCheck !== undefined) {
      statement = statement.where('current_version_id', '=', versionCheck);
    }
    const deleted = await statement.executeTakeFirst();
    if (deleted === undefined) {
      throw new Rollback('missed' as const);
    }
    // Cascades in the schema remove versions too; deleting them here keeps that true on engines
    // where a cascade is off (SQLite without foreign_keys, say).
    await trx.deleteFrom('object_versions').where('object_id', '=', id).execute();
    await appendEventRows(trx, eventsFor(deleted.name));
    return { name: deleted.name };
  });

  if (outcome === 'missed') {
    return (await objectExists(db, environmentId, id)) ? { status: 'version_mismatch' } : { status: 'not_found' };
  }
  return { status: 'deleted', name: outcome.name };
}

export async function listObjects(
  db: Db,
  backend: 'sqlite' | 'postgres',
  query: ObjectListQuery,
): Promise<{ objects: ObjectRecord[]; hasMore: boolean }> {
  // `before` walks backwards: fetch in the opposite order, then reverse to the requested order.
  const backwards = query.before !== undefined;
  const ascending = (query.order === 'asc') !== backwards;
  const cursor = query.before ?? query.after;

  let statement = db.selectFrom('objects').selectAll().where('environment_id', '=', query.environmentId);
  if (cursor !== undefined) {
    const operator = ascending ? '>' : '<';
    statement = statement.where((eb) =>
      eb.or([
        eb('created_at', operator, cursor.createdAt),
        eb.and([eb('created_at', '=', cursor.createdAt), eb('id', operator, cursor.id)]),
      ]),
    );
  }
  if (query.search !== undefined && query.search.length > 0) {
    const position =
      backend === 'postgres' ? sql<number>`strpos(name, ${query.search})` : sql<number>`instr(name, ${query.search})`;
    statement = statement.where(position, '>', 0);
  }
  if (query.updatedAfter !== undefined) {
    statement = statement.where('updated_at', '>', query.updatedAfter);
  }
  const direction = ascending ? 'asc' : 'desc';
  const rows = await statement
    .orderBy('created_at', direction)
    .orderBy('id', direction)
    .limit(query.limit + 1)
    .execute();
  const hasMore = rows.length > query.limit;
  const objects = rows.slice(0, query.limit).map(toObject);
  return { objects: backwards ? objects.reverse() : objects, hasMore };
}

export async function listObjectVersions(
  db: Db,
  environmentId: string,
  id: string,
): Promise<{ object: ObjectRecord; versions: ObjectVersionRecord[] } | undefined> {
  const objectRow = await db
    .selectFrom('objects')
    .selectAll()
    .where('id', '=', id)
    .where('environment_id', '=', environmentId)
    .executeTakeFirst();
  if (objectRow === undefined) {
    return undefined;
  }
  const rows = await db
    .selectFrom('object_versions')
    .selectAll()
    .where('object_id', '=', id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
  return { object: toObject(objectRow), versions: rows.map(toVersion) };
}

export async function findIdempotencyRecord(
  db: Db,
  apiKeyId: string,
  idempotencyKey: string,
): Promise<IdempotencyRecord | undefined> {
  const row = await db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('api_key_id', '=', apiKeyId)
    .where('idempotency_key', '=', idempotencyKey)
    .executeTakeFirst();
  return row === undefined ? undefined : toIdempotency(row);
}

export async function deleteIdempotencyRecords(db: Db, createdBefore: number): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', createdBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function appendEventRows(db: Db, events: readonly EventRecord[]): Promise<void> {
  if (events.length === 0) {
    return;
  }
  await db
    .insertInto('events')
    .values(
      events.map((event) => ({
        id: event.id,
        environment_id: event.environmentId,
        event: event.event,
        organization_id: event.organizationId,
        data: event.data,
        created_at: event.createdAt,
      })),
    )
    .execute();
}

async function objectExists(db: Db, environmentId: string, id: string): Promise<boolean> {
  const row = await db
    .selectFrom('objects')
    .select('id')
    .where('id', '=', id)
    .where('environment_id', '=', environmentId)
    .executeTakeFirst();
  return row !== undefined;
}

function objectRow(object: ObjectRecord): Selectable<ObjectsTable> {
  return {
    id: object.id,
    environment_id: object.environmentId,
    name: object.name,
    context: JSON.stringify(object.context),
    current_version_id: object.currentVersionId,
    created_at: object.createdAt,
    updated_at: object.updatedAt,
    updated_by_id: object.updatedById,
    updated_by_name: object.updatedByName,
  };
}

function versionRow(version: ObjectVersionRecord): Selectable<ObjectVersionsTable> {
  return {
    id: version.id,
    object_id: version.objectId,
    data_key_id: version.dataKeyId,
    encrypted_keys: version.encryptedKeys,
    ciphertext: version.ciphertext,
    size: version.size,
    etag: version.etag,
    created_at: version.createdAt,
  };
}

function idempotencyRow(record: IdempotencyRecord): Selectable<IdempotencyKeysTable> {
  return {
    api_key_id: record.apiKeyId,
    idempotency_key: record.idempotencyKey,
    request_hash: record.requestHash,
    response_status: record.responseStatus,
    response_body: record.responseBody,
    created_at: record.createdAt,
  };
}

function toObject(row: Selectable<ObjectsTable>): ObjectRecord {
  return {
    id: row.id,
    environmentId: row.environment_id,
    name: row.name,
    context: JSON.parse(row.context) as Array<[string, string]>,
    currentVersionId: row.current_version_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
    updatedById: row.updated_by_id,
    updatedByName: row.updated_by_name,
  };
}

function toVersion(row: Selectable<ObjectVersionsTable>): ObjectVersionRecord {
  return {
    id: row.id,
    objectId: row.object_id,
    dataKeyId: row.data_key_id,
    encryptedKeys: Buffer.from(row.encrypted_keys),
    ciphertext: Buffer.from(row.ciphertext),
    size: Number(row.size),
    etag: row.etag,
    createdAt: Number(row.created_at),
  };
}

function toIdempotency(row: Selectable<IdempotencyKeysTable>): IdempotencyRecord {
  return {
    apiKeyId: row.api_key_id,
    idempotencyKey: row.idempotency_key,
    requestHash: Buffer.from(row.request_hash),
    responseStatus: Number(row.response_status),
    responseBody: row.response_body,
    createdAt: Number(row.created_at),
  };
}
