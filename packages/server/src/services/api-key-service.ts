import { randomBytes } from 'node:crypto';
import { sha256 } from '@coffer/core';
import { ConfigError } from '../config.js';
import { type Clock, newId } from '../ids.js';
import type { ApiKeyRecord, EnvironmentRecord } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { actorJson } from './actor-fields.js';

/** The caller of an authenticated request. */
export interface Principal {
  apiKeyId: string;
  apiKeyName: string;
  environmentId: string;
  /** The actor fields of this caller's events, serialized once; see `eventData`. */
  actorJson: string;
}

/** A key just created; `secret` is shown once and never stored. */
export interface CreatedApiKey {
  record: ApiKeyRecord;
  secret: string;
}

/** Default environment that every data dir starts with. */
export const DEFAULT_ENVIRONMENT = 'default';

interface CachedLookup {
  principal: Principal | undefined;
  expiresAt: number;
}

/** Most API key lookups kept in memory; the oldest go first when it is full. */
const MAX_CACHED_LOOKUPS = 10_000;

/**
 * Creates, lists, revokes and checks API keys. Only SHA-256 hashes of secrets are stored: the
 * secrets carry 256 random bits, so a fast unsalted hash is enough to make a stolen table
 * useless. Lookups are cached for `cacheTtlMs`, which bounds how long a key revoked by another
 * process keeps working.
 */
export class ApiKeyService {
  readonly #storage: Storage;
  readonly #clock: Clock;
  readonly #cacheTtlMs: number;
  readonly #cache = new Map<string, CachedLookup>();
  /** Counts cache clears, so that a lookup that raced a clear is not cached afterwards. */
  #generation = 0;

  constructor(storage: Storage, clock: Clock, cacheTtlMs: number) {
    this.#storage = storage;
    this.#clock = clock;
    this.#cacheTtlMs = cacheTtlMs;
  }

  /** Finds or creates an environment by name. */
  async ensureEnvironment(name: string): Promise<EnvironmentRecord> {
    const existing = await this.#storage.findEnvironmentByName(name);
    if (existing !== undefined) {
      return existing;
    }
    return this.#storage.insertEnvironment({ id: newId('environment'), name, createdAt: this.#clock.nowMicros() });
  }

  /** Creates a key with a new random secret. */
  async create(name: string, environment: EnvironmentRecord): Promise<CreatedApiKey> {
    const secret = `sk_${randomBytes(32).toString('base64url')}`;
    const record = await this.#insert(name, environment, secret);
    return { record, secret };
  }

  /**
   * Makes sure a key with exactly this secret exists, creating it in `environment` if not.
   * Returns the key and whether it was created. Raises `ConfigError` when the secret belongs to
   * a revoked key, which would otherwise look present and reject every request.
   */
  async ensureSecret(
    secret: string,
    name: string,
    environment: EnvironmentRecord,
  ): Promise<{ record: ApiKeyRecord; created: boolean }> {
    const existing = await this.#storage.findApiKeyByHash(hashSecret(secret));
    if (existing !== undefined && existing.revokedAt !== null) {
      throw new ConfigError(
        `COFFER_BOOTSTRAP_API_KEY is the secret of API key ${existing.id}, which was revoked; ` +
          'set a new secret or remove the variable',
      );
    }
    if (existing !== undefined) {
      return { record: existing, created: false };
    }
    try {
      return { record: await this.#insert(name, environment, secret), created: true };
    } catch (error) {
      // Another process that started at the same moment may have inserted the same secret first.
      const winner = await this.#storage.findApiKeyByHash(hashSecret(secret));
      if (winner === undefined) {
        throw error;
      }
      return { record: winner, created: false };
    }
  }

  /**
   * Resolves a bearer secret to its caller, or undefined when the key is unknown or revoked.
   */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const hash = hashSecret(secret);
    const cacheKey = hash.toString('base64');
    const now = Date.now();
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined && cached.expiresAt > now) {
      return cached.principal;
    }

    const generation = this.#generation;
    const record = await this.#storage.findApiKeyByHash(hash);
    const principal =
      record === undefined || record.revokedAt !== null
        ? undefined
        : {
            apiKeyId: record.id,
            apiKeyName: record.name,
            environmentId: record.environmentId,
            actorJson: actorJson(record.id, record.name),
          };
    if (generation === this.#generation) {
      this.#remember(cacheKey, { principal, expiresAt: now + this.#cacheTtlMs });
    }
    return principal;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return this.#storage.listApiKeys();
  }

  async count(): Promise<number> {
    return this.#storage.countApiKeys();
  }

  /** Revokes a key; returns false when no active key has that id. */
  async revoke(id: string): Promise<boolean> {
    const revoked = await this.#storage.revokeApiKey(id, this.#clock.nowMicros());
    if (revoked) {
      this.clearCache();
    }
    return revoked;
  }

  /**
   * Drops cached lookups whenever the storage reports that another process created or revoked
   * a key (PostgreSQL LISTEN/NOTIFY). Storages without notifications leave the time limit as the
   * only bound. Returns a function that unsubscribes.
   */
  followInvalidations(): () => void {
    return this.#storage.onInvalidate?.(() => this.clearCache()) ?? (() => {});
  }

  /** Drops every cached lookup. */
  clearCache(): void {
    this.#generation += 1;
    this.#cache.clear();
  }

  async #insert(name: string, environment: EnvironmentRecord, secret: string): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = {
      id: newId('key'),
      environmentId: environment.id,
      name,
      secretHash: hashSecret(secret),
      secretHint: secret.slice(-4),
      createdAt: this.#clock.nowMicros(),
      revokedAt: null,
    };
    await this.#storage.insertApiKey(record);
    return record;
  }

  #remember(cacheKey: string, lookup: CachedLookup): void {
    if (this.#cache.size >= MAX_CACHED_LOOKUPS) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) {
        this.#cache.delete(oldest);
      }
    }
    this.#cache.set(cacheKey, lookup);
  }
}

function hashSecret(secret: string): Buffer {
  return sha256(secret);
}
