import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { classifyPostgresError } from './storage-unavailable-error.js';

/**
 * Wraps a `pg` pool for Kysely's PostgresDialect so that every failure to connect or to run a
 * statement that means the database is unavailable reaches the caller as
 * `StorageUnavailableError`. Other errors pass through unchanged.
 */
export function mapPoolErrors(pool: pg.Pool): PostgresPool {
  // Kysely keeps per-client state keyed by the object it receives, so each pg client keeps one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw classifyPostgresError(error);
      }
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = new ErrorMappingClient(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

class ErrorMappingClient implements PostgresPoolClient {
  readonly #client: pg.PoolClient;

  constructor(client: pg.PoolClient) {
    this.#client = client;
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
    try {
      return (await this.#client.query(sql, parameters as unknown[])) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      throw classifyPostgresError(error);
    }
  }
}
