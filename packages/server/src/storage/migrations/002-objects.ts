import type { Kysely } from 'kysely';
import { dialectTypes, type SqlDialect } from './dialect-types.js';

/** Encrypted objects, their versions, idempotency records for object creation. */
export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const types = dialectTypes(dialect);

  await db.schema
    .createTable('objects')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('context', 'text', (column) => column.notNull())
    .addColumn('current_version_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_by_id', 'text', (column) => column.notNull())
    .addColumn('updated_by_name', 'text', (column) => column.notNull())
    .addUniqueConstraint('objects_name_unique', ['environment_id', 'name'])
    .execute();
  await db.schema
    .createIndex('objects_environment_created')
    .on('objects')
    .columns(['environment_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('object_versions')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('object_id', 'text', (column) => column.notNull().references('objects.id').onDelete('cascade'))
    .addColumn('data_key_id', 'text', (column) => column.notNull())
    .addColumn('encrypted_keys', types.binary, (column) => column.notNull())
    .addColumn('ciphertext', types.binary, (column) => column.notNull())
    .addColumn('size', 'bigint', (column) => column.notNull())
    .addColumn('etag', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('object_versions_object_created')
    .on('object_versions')
    .columns(['object_id', 'created_at', 'id'])
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('api_key_id', 'text', (column) => column.notNull())
    .addColumn('idempotency_key', 'text', (column) => column.notNull())
    .addColumn('request_hash', types.binary, (column) => column.notNull())
    .addColumn('response_status', 'integer', (column) => column.notNull())
    .addColumn('response_body', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['api_key_id', 'idempotency_key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created').on('idempotency_keys').column('created_at').execute();
}
