import type { Kysely } from 'kysely';
import type { SqlDialect } from './dialect-types.js';

/**
 * An index on event time alone, so expired events can be found and deleted in batches, and one
 * on (environment, id) for `GET /events`, which pages by the time-ordered event id.
 */
export async function up(db: Kysely<unknown>, _dialect: SqlDialect): Promise<void> {
  await db.schema.createIndex('events_created').on('events').columns(['created_at', 'id']).execute();
  await db.schema.createIndex('events_environment_id').on('events').columns(['environment_id', 'id']).execute();
}
