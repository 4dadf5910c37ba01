import pg from 'pg';
import type { InvalidationScope } from '../storage.js';
import type { StorageLogger } from './postgres-options.js';
import { describeDriverError } from './storage-unavailable-error.js';

/** The LISTEN/NOTIFY channel on which Coffer processes announce changes to cached state. */
export const INVALIDATION_CHANNEL = 'coffer_invalidate';

/** Delay before the first reconnection attempt, in milliseconds; it doubles up to `MAX_RETRY_DELAY_MS`. */
const FIRST_RETRY_DELAY_MS = 250;
const MAX_RETRY_DELAY_MS = 2_000;

/** SQLSTATE feature_not_supported, which engines without LISTEN (CockroachDB, for one) may raise. */
const FEATURE_NOT_SUPPORTED = '0A000';

type Subscriber = (scope: InvalidationScope) => void;

/**
 * Keeps one connection listening on `INVALIDATION_CHANNEL` and passes each notification to the
 * subscribers. PostgreSQL drops notifications sent while no LISTEN is active, so after every
 * connection, the first included, the subscribers get `all`. The connection opens with the
 * first subscriber and reconnects with backoff after a failure.
 */
export class InvalidationListener {
  readonly #config: pg.ClientConfig;
  readonly #logger: StorageLogger;
  readonly #subscribers = new Set<Subscriber>();
  #client: pg.Client | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelayMs = FIRST_RETRY_DELAY_MS;
  #failedAttempts = 0;
  #closed = false;
  #unsupported = false;

  constructor(config: pg.ClientConfig, logger: StorageLogger) {
    this.#config = config;
    this.#logger = logger;
  }

  /** Adds a subscriber; returns a function that removes it. */
  subscribe(subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber);
    const idle = this.#client === undefined && this.#retryTimer === undefined;
    if (idle && !this.#closed && !this.#unsupported) {
      void this.#connect();
    }
    return () => {
      this.#subscribers.delete(subscriber);
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #connect(): Promise<void> {
    const client = new pg.Client(this.#config);
    this.#client = client;
    client.on('notification', (message) => {
      if (message.channel === INVALIDATION_CHANNEL) {
        this.#publish(message.payload === 'api_keys' ? 'api_keys' : 'all');
      }
    });
    client.on('error', (error) => this.#lose(client, error));
    client.on('end', () => this.#lose(client, undefined));

    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
    } catch (error) {
      if ((error as { code?: unknown }).code === FEATURE_NOT_SUPPORTED) {
        this.#giveUp(client, error);
      } else {
        this.#lose(client, error);
      }
      return;
    }
    if (this.#client !== client) {
      return;
    }
    if (this.#failedAttempts > 0) {
      this.#logger.info(
        { channel: INVALIDATION_CHANNEL, failed_attempts: this.#failedAttempts },
        'listening for cache invalidations again',
      );
    }
    this.#failedAttempts = 0;
    this.#retryDelayMs = FIRST_RETRY_DELAY_MS;
    this.#publish('all');
  }

  /** Drops a failed connection and schedules the next attempt; only the first failure in a row is logged. */
  #lose(client: pg.Client, error: unknown): void {
    if (this.#client !== client) {
      return;
    }
    this.#client = undefined;
    client.end().catch(() => {});
    if (this.#closed) {
      return;
    }
    if (this.#failedAttempts === 0) {
      this.#logger.warn(
        {
          channel: INVALIDATION_CHANNEL,
          error: error === undefined ? 'connection closed' : describeDriverError(error),
        },
        'cache invalidation connection to PostgreSQL failed; caches rely on their time limits until it reconnects',
      );
    }
    this.#failedAttempts += 1;
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
    this.#retryTimer.unref();
  }

  #giveUp(client: pg.Client, error: unknown): void {
    this.#unsupported = true;
    this.#client = undefined;
    client.end().catch(() => {});
    this.#logger.warn(
      { channel: INVALIDATION_CHANNEL, error: describeDriverError(error) },
      'the database does not support LISTEN; caches rely on their time limits',
    );
  }

  #publish(scope: InvalidationScope): void {
    for (const subscriber of this.#subscribers) {
      try {
        subscriber(scope);
      } catch (error) {
        this.#logger.warn({ err: error, scope }, 'a cache invalidation subscriber failed');
      }
    }
  }
}
