import type { Kysely } from 'kysely';
import { dialectTypes, type SqlDialect } from './dialect-types.js';

/** Environments, API keys, KEKs with their versions, and events. */
export async function up(db: Kysely<unknown>, dialect: SqlDialect): Promise<void> {
  const types = dialectTypes(dialect);

  await db.schema
    .createTable('coffer_meta')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('value', 'text', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('environments')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull().unique())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('secret_hash', types.binary, (column) => column.notNull().unique())
    .addColumn('secret_hint', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('revoked_at', 'bigint')
    .execute();

  await db.schema
    .createTable('keks')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('environment_id', 'text', (column) => column.notNull().references('environments.id'))
    .addColumn('context_key', 'text', (column) => column.notNull())
    .addColumn('context_value', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('current_version', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('keks_context_unique', ['environment_id', 'context_key', 'context_value'])
    .execute();

  await db.schema
    .createTable('kek_versions')
    .addColumn('kek_id', 'text', (column) => column.notNull().references('keks.id'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('wrapped_material', types.binary, (column) => column.notNull())
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('kek_versions_pkey', ['kek_id', 'version'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('environment_id', 'text', (column) => column.notNull())
    .addColumn('event', 'text', (column) => column.notNull())
    .addColumn('organization_id', 'text')
    .addColumn('data', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('events_environment_created')
    .on('events')
    .columns(['environment_id', 'created_at', 'id'])
    .execute();
}
