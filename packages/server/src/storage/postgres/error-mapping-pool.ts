import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { classifyPostgresError, StorageUnavailableError } from './storage-unavailable-error.js';

/** Receives the outcome of each statement and each failed connection attempt, for the readiness check. */
export interface OutcomeRecorder {
  recordSuccess(): void;
  recordOutage(): void;
}

const IGNORE_OUTCOMES: OutcomeRecorder = { recordSuccess: () => {}, recordOutage: () => {} };

/**
 * Wraps a `pg` pool for Kysely's PostgresDialect so that every failure to connect or to run a
 * statement that means the database is unavailable reaches the caller as
 * `StorageUnavailableError`. Other errors pass through unchanged. `outcomes` learns whether each
 * statement reached the database.
 */
export function mapPoolErrors(pool: pg.Pool, outcomes: OutcomeRecorder = IGNORE_OUTCOMES): PostgresPool {
  // Kysely keeps per-client state keyed by the object it receives, so each pg client keeps one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        // A connection that cannot open, for whatever reason, leaves nothing to serve with.
        outcomes.recordOutage();
        throw classifyPostgresError(error);
      }
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = new ErrorMappingClient(client, outcomes);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

class ErrorMappingClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;
  readonly #outcomes: OutcomeRecorder;

  constructor(client: pg.PoolClient, outcomes: OutcomeRecorder) {
    this.#client = client;
    this.#outcomes = outcomes;
    // pg emits 'error' on a checked-out client whose connection breaks between statements, and
    // the pool listens only while the client is idle. Without this listener the process would
    // crash. The failure surfaces in the next statement, and the pool discards the client when
    // it is released, so nothing else needs doing here.
    client.on('error', () => {});
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    statement: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof statement !== 'string') {
      // Coffer never streams; a cursor goes to pg unchanged.
      return (this.#client as unknown as { query(cursor: PostgresCursor<R>): PostgresCursor<R> }).query(statement);
    }
    return this.#run<R>(statement, parameters ?? []);
  }

  release(destroy?: boolean): void {
    // The pool puts a new `release` on the client at every checkout, so it is looked up each time.
    this.#client.release(destroy);
  }

  async #run<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    let result: PostgresQueryResult<R>;
    try {
      result = (await this.#client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      throw recordFailure(classifyPostgresError(error), this.#outcomes);
    }
    this.#outcomes.recordSuccess();
    return result;
  }
}

/** Records an outage, or a response when the database rejected the statement itself. Returns `error`. */
function recordFailure(error: unknown, outcomes: OutcomeRecorder): unknown {
  if (error instanceof StorageUnavailableError) {
    outcomes.recordOutage();
  } else {
    outcomes.recordSuccess();
  }
  return error;
}
