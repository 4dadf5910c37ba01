import pg from 'pg';
import { DEFAULT_POOL_SIZE, type PostgresOptions, SILENT_LOGGER } from './postgres-options.js';

/** How long a caller waits for a pooled connection, or for a new one to open, in milliseconds. */
const CONNECTION_TIMEOUT_MS = 5_000;

/** Maximum run time of a statement on the server while serving, in milliseconds; Coffer's statements touch few rows. */
const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * How long the client waits for a statement's result before giving up, in milliseconds. It
 * catches a connection whose server vanished without closing it, which the server-side
 * statement timeout cannot.
 */
const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 5_000;

/** The server ends a session that stays idle inside a transaction this long, which frees its locks. */
const IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * Idle time before TCP keepalive probes start on a connection, in milliseconds, so that a
 * connection whose peer vanished is noticed in minutes rather than after Linux's default of
 * two hours.
 */
export const KEEPALIVE_DELAY_MS = 10_000;

/** Parses int8 columns as numbers: every int8 Coffer stores (times in microseconds, sizes) is below 2^53. */
const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 && format !== 'binary'
      ? parseInt8
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * Creates a `pg` pool. A `serve` pool applies the statement and query timeouts. The `migrate`
 * pool has one connection and no statement timeout, because a migration may rewrite a large
 * table and may wait for another process's migrations to finish.
 */
export function createPostgresPool(options: PostgresOptions, purpose: 'serve' | 'migrate'): pg.Pool {
  const logger = options.logger ?? SILENT_LOGGER;
  const timeouts =
    purpose === 'serve' ? { statement_timeout: STATEMENT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS } : {};
  const pool = new pg.Pool({
    connectionString: options.url,
    max: purpose === 'serve' ? (options.poolSize ?? DEFAULT_POOL_SIZE) : 1,
    application_name: 'coffer',
    connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
    idle_in_transaction_session_timeout: IDLE_IN_TRANSACTION_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_DELAY_MS,
    types: INT8_AS_NUMBER,
    ...timeouts,
  });
  // Without a listener, an idle connection that the server closes would crash the process.
  pool.on('error', (error) => {
    logger.warn({ err: error }, 'an idle PostgreSQL connection failed; the pool opens a new one when needed');
  });
  return pool;
}

function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`PostgreSQL returned the int8 value ${text}, outside the safe integer range of JavaScript`);
  }
  return value;
}
