import { type Kysely, sql } from 'kysely';
import type { ApiKeyRecord } from '../records.js';
import type { Database } from '../schema.js';
import { SqlStorage } from '../sql-storage.js';
import type { InvalidationScope } from '../storage.js';
import type { DatabaseAvailability } from './database-availability.js';
import { INVALIDATION_CHANNEL, type InvalidationListener } from './invalidation-listener.js';
import type { StorageLogger } from './postgres-options.js';
import { describeDriverError } from './storage-unavailable-error.js';

/**
 * The PostgreSQL backend: the shared Kysely queries on a `pg` pool, plus LISTEN/NOTIFY so that
 * creating or revoking an API key reaches the caches of every Coffer process on the database.
 */
export class PostgresStorage extends SqlStorage {
  readonly #listener: InvalidationListener;
  readonly #availability: DatabaseAvailability;
  readonly #logger: StorageLogger;

  constructor(
    db: Kysely<Database>,
    listener: InvalidationListener,
    availability: DatabaseAvailability,
    logger: StorageLogger,
  ) {
    super(db, 'postgres', () => listener.close());
    this.#listener = listener;
    this.#availability = availability;
    this.#logger = logger;
  }

  /**
   * Resolves false while PostgreSQL cannot serve: the last statement met an outage, or a `select 1`
   * run because no statement finished within the last second failed or took over a second.
   */
  isAvailable(): Promise<boolean> {
    return this.#availability.isAvailable();
  }

  override async insertApiKey(apiKey: ApiKeyRecord): Promise<void> {
    await super.insertApiKey(apiKey);
    // A process may have cached this secret as unknown if it was tried before it existed.
    await this.#notify('api_keys');
  }

  override async revokeApiKey(id: string, revokedAt: number): Promise<boolean> {
    const revoked = await super.revokeApiKey(id, revokedAt);
    if (revoked) {
      await this.#notify('api_keys');
    }
    return revoked;
  }

  onInvalidate(listener: (scope: InvalidationScope) => void): () => void {
    return this.#listener.subscribe(listener);
  }

  /**
   * Announces a change after it committed. A failed NOTIFY is logged, not raised: the change
   * itself is stored, and other processes still drop stale cache entries when they expire.
   */
  async #notify(scope: InvalidationScope): Promise<void> {
    try {
      await sql`select pg_notify(${INVALIDATION_CHANNEL}, ${scope})`.execute(this.db);
    } catch (error) {
      this.#logger.warn(
        { channel: INVALIDATION_CHANNEL, scope, error: describeDriverError(error) },
        'cache invalidation NOTIFY failed; other processes see the change when their cache entries expire',
      );
    }
  }
}
