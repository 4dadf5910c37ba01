import { type RawBuilder, sql } from 'kysely';

/** The SQL dialects Coffer's migrations are written for. */
export type SqlDialect = 'sqlite' | 'postgres';

/** Column types whose names differ between the dialects; everything else uses the shared names. */
export interface DialectTypes {
  binary: RawBuilder<unknown>;
}

export function dialectTypes(dialect: SqlDialect): DialectTypes {
  return { binary: dialect === 'postgres' ? sql`bytea` : sql`blob` };
}
