import { randomBytes, randomUUID } from 'node:crypto';
import { bytesToUuid, type ContextPair, KEY_LENGTH, kekWrappingAad, uuidToBytes, XaesKey } from '@coffer/core';
import { type Clock, newId } from '../ids.js';
import type { RootKeyProvider } from '../keys/root-key-provider.js';
import type { KekWithVersion } from '../storage/records.js';
import type { Storage } from '../storage/storage.js';
import { contextCacheKey, KekCache, type UsableKek, versionCacheKey } from './kek-cache.js';

/** Largest KEK version the `kek_versions.version` column (a signed 32-bit SQL integer) can store. */
const MAX_KEK_VERSION = 2 ** 31 - 1;

/**
 * Finds, creates and unwraps KEKs. There is one KEK per (environment, context key, context
 * value), created the first time that pair is used. Concurrent first uses in this process share
 * one creation; across processes the database's unique constraint picks the winner and the
 * others read it. Unwrapped KEKs are cached so the hot path of create-data-key touches no
 * database once its KEKs are warm.
 */
export class KekService {
  readonly #storage: Storage;
  readonly #provider: RootKeyProvider;
  readonly #clock: Clock;
  readonly #cache: KekCache;
  readonly #inflight = new Map<string, Promise<UsableKek>>();

  constructor(
    storage: Storage,
    provider: RootKeyProvider,
    clock: Clock,
    options: { cacheTtlMs: number; cacheMaxEntries: number },
  ) {
    this.#storage = storage;
    this.#provider = provider;
    this.#clock = clock;
    this.#cache = new KekCache(options.cacheTtlMs, options.cacheMaxEntries);
  }

  /**
   * Returns the current KEK of each pair, creating missing ones. The result is synchronous when
   * every KEK is cached, which keeps a promise allocation per pair off the hot path.
   */
  resolveForWrapping(environmentId: string, pairs: readonly ContextPair[]): UsableKek[] | Promise<UsableKek[]> {
    const now = Date.now();
    const found: UsableKek[] = [];
    for (const pair of pairs) {
      const kek = this.#cache.getByContext(contextCacheKey(environmentId, pair.key, pair.value), now);
      if (kek === undefined) {
        return Promise.all(pairs.map((each) => this.#resolveOne(environmentId, each)));
      }
      found.push(kek);
    }
    return found;
  }

  /**
   * Returns the KEK version that wrapped a blob entry, or undefined when this environment has no
   * such KEK version. KEKs of other environments are treated as unknown. A cached KEK is returned
   * synchronously, which keeps a promise off the hot path of decrypt.
   */
  findForUnwrapping(
    environmentId: string,
    kekId: Buffer,
    version: number,
  ): UsableKek | undefined | Promise<UsableKek | undefined> {
    // A blob's version field is 32-bit unsigned, but stored versions fit the signed SQL column, and
    // PostgreSQL raises an error for a parameter beyond its range. Such a version is unknown.
    if (version < 1 || version > MAX_KEK_VERSION) {
      return undefined;
    }
    const cached = this.#cache.getByVersion(versionCacheKey(kekId, version), Date.now());
    if (cached !== undefined) {
      return cached.environmentId === environmentId ? cached : undefined;
    }
    return this.#loadForUnwrapping(environmentId, bytesToUuid(kekId), version);
  }

  async #loadForUnwrapping(environmentId: string, id: string, version: number): Promise<UsableKek | undefined> {
    const stored = await this.#storage.findKekVersion(id, version);
    if (stored === undefined || stored.kek.environmentId !== environmentId || stored.kek.state !== 'active') {
      return undefined;
    }
    const kek = await this.#unwrap(stored);
    const isCurrent = stored.kek.currentVersion === version;
    this.#cache.put(
      kek,
      isCurrent ? contextCacheKey(environmentId, stored.kek.contextKey, stored.kek.contextValue) : undefined,
      Date.now(),
    );
    return kek;
  }

  #resolveOne(environmentId: string, pair: ContextPair): Promise<UsableKek> {
    const cacheKey = contextCacheKey(environmentId, pair.key, pair.value);
    const cached = this.#cache.getByContext(cacheKey, Date.now());
    if (cached !== undefined) {
      return Promise.resolve(cached);
    }
    let pending = this.#inflight.get(cacheKey);
    if (pending === undefined) {
      pending = this.#load(environmentId, pair).finally(() => this.#inflight.delete(cacheKey));
      this.#inflight.set(cacheKey, pending);
    }
    return pending;
  }

  async #load(environmentId: string, pair: ContextPair): Promise<UsableKek> {
    const stored =
      (await this.#storage.findKekByContext(environmentId, pair.key, pair.value)) ??
      (await this.#create(environmentId, pair));
    const kek = await this.#unwrap(stored);
    this.#cache.put(kek, contextCacheKey(environmentId, pair.key, pair.value), Date.now());
    return kek;
  }

  async #create(environmentId: string, pair: ContextPair): Promise<KekWithVersion> {
    const id = randomUUID();
    const material = randomBytes(KEY_LENGTH);
    const now = this.#clock.nowMicros();
    const aad = kekWrappingAad({ environmentId, kekId: uuidToBytes(id) as Buffer, version: 1, pair });
    const wrapped = await this.#provider.wrap(material, aad);
    material.fill(0);

    const result = await this.#storage.insertKek(
      {
        id,
        environmentId,
        contextKey: pair.key,
        contextValue: pair.value,
        state: 'active',
        currentVersion: 1,
        createdAt: now,
      },
      { kekId: id, version: 1, wrappedMaterial: wrapped, provider: this.#provider.name, createdAt: now },
      [
        {
          id: newId('event'),
          environmentId,
          event: 'vault.kek.created',
          organizationId: pair.key === 'organization_id' ? pair.value : null,
          data: JSON.stringify({ key_name: `${pair.key}:${pair.value}`, key_id: id }),
          createdAt: now,
        },
      ],
    );
    return result;
  }

  async #unwrap(stored: KekWithVersion): Promise<UsableKek> {
    const pair = { key: stored.kek.contextKey, value: stored.kek.contextValue };
    const idBytes = uuidToBytes(stored.kek.id);
    if (idBytes === undefined) {
      throw new Error(`KEK id ${stored.kek.id} in the database is not a UUID`);
    }
    const aad = kekWrappingAad({
      environmentId: stored.kek.environmentId,
      kekId: idBytes,
      version: stored.version.version,
      pair,
    });
    const material = await this.#provider.unwrap(stored.version.wrappedMaterial, aad);
    try {
      return {
        id: idBytes,
        kekId: stored.kek.id,
        environmentId: stored.kek.environmentId,
        version: stored.version.version,
        key: new XaesKey(material),
        pair,
      };
    } finally {
      material.fill(0);
    }
  }
}
