import { type ContextPair, sortContextPairs } from '@coffer/core';
import {
  type DataKeyCacheOptions,
  DEFAULT_MAX_CACHED_CONTEXTS,
  type DecryptionKeyCacheOptions,
  type EncryptionKeyCacheOptions,
  validateDataKeyCacheOptions,
} from './data-key-cache-options.js';
import type { RequestOptions } from './http-transport.js';
import type { DataKeyPair, DecryptedDataKey, KeyContext } from './vault-types.js';

/**
 * The server calls that the cache makes on a miss.
 *
 * @example
 * const fetchers: DataKeyFetchers = {
 *   createDataKey: (context, options) => createDataKey(transport, context, options),
 *   decryptDataKey: (blob, options) => decryptDataKey(transport, blob, options),
 * };
 */
export interface DataKeyFetchers {
  createDataKey(context: KeyContext, options: RequestOptions): Promise<DataKeyPair>;
  decryptDataKey(encryptedKeys: Buffer, options: RequestOptions): Promise<DecryptedDataKey>;
}

interface CachedKey {
  key: Buffer;
  /** False once evicted and zeroed. */
  live: boolean;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

interface EncryptionEntry extends CachedKey {
  encryptedKeys: Buffer;
  messages: number;
  bytes: number;
}

/**
 * Hands out data keys for local encryption and decryption, from memory when a side of the cache
 * is enabled and from the server otherwise. A key is lent only to a synchronous callback, so no
 * eviction can zero it while it is in use. Keys fetched for a single message are zeroed after
 * it, and cached keys when they are evicted. Concurrent misses for one context or blob share one
 * server call.
 *
 * @example
 * const cache = new DataKeyCache({ decryption: { maxAgeMs: 60_000, maxEntries: 100 } }, fetchers);
 * const plaintext = await cache.withDecryptionKey(blob, {}, (key) => open(key));
 */
export class DataKeyCache {
  readonly #encryption: EncryptionKeyCacheOptions | undefined;
  readonly #decryption: DecryptionKeyCacheOptions | undefined;
  readonly #fetchers: DataKeyFetchers;
  readonly #encryptionEntries = new Map<string, EncryptionEntry>();
  readonly #decryptionEntries = new Map<string, CachedKey>();
  readonly #pendingCreates = new Map<string, Promise<EncryptionEntry>>();
  readonly #pendingDecrypts = new Map<string, Promise<CachedKey>>();

  constructor(options: DataKeyCacheOptions | undefined, fetchers: DataKeyFetchers) {
    if (options !== undefined) {
      validateDataKeyCacheOptions(options);
    }
    this.#encryption = options?.encryption;
    this.#decryption = options?.decryption;
    this.#fetchers = fetchers;
  }

  /**
   * Calls `use` with a data key for `context` that may encrypt one more message of `byteLength`
   * bytes, and with its `encrypted_keys` blob. `use` must finish with the key before it returns,
   * because the key may be zeroed at any later time.
   */
  async withEncryptionKey<T>(
    context: KeyContext,
    byteLength: number,
    options: RequestOptions,
    use: (key: Buffer, encryptedKeys: Buffer) => T,
  ): Promise<T> {
    const limits = this.#encryption;
    if (limits === undefined || byteLength > limits.maxBytes) {
      return this.#withFreshEncryptionKey(context, options, use);
    }

    const cacheKey = contextCacheKey(context);
    const entry = this.#encryptionEntries.get(cacheKey);
    if (entry !== undefined && reserve(entry, byteLength, limits, false)) {
      return use(entry.key, entry.encryptedKeys);
    }
    if (entry !== undefined) {
      this.#evictEncryption(cacheKey, entry);
    }

    // A key that just landed skips the age check, so that a tiny maxAgeMs cannot starve callers.
    const landed = await untilAborted(this.#createShared(cacheKey, context, limits), options.signal);
    if (reserve(landed, byteLength, limits, true)) {
      return use(landed.key, landed.encryptedKeys);
    }
    // Other waiters used up the shared key, or another context's key pushed it out, so this
    // caller gets a key of its own.
    return this.#withFreshEncryptionKey(context, options, use);
  }

  /**
   * Calls `use` with the data key wrapped in `encryptedKeys`. `use` must finish with the key
   * before it returns, because the key may be zeroed at any later time.
   */
  async withDecryptionKey<T>(encryptedKeys: Buffer, options: RequestOptions, use: (key: Buffer) => T): Promise<T> {
    const limits = this.#decryption;
    if (limits === undefined) {
      return this.#withFreshDecryptionKey(encryptedKeys, options, use);
    }

    const cacheKey = encryptedKeys.toString('base64');
    const entry = this.#decryptionEntries.get(cacheKey);
    if (entry !== undefined && performance.now() < entry.expiresAt) {
      // Re-inserting moves the entry to the end of the Map, which keeps the Map in LRU order.
      this.#decryptionEntries.delete(cacheKey);
      this.#decryptionEntries.set(cacheKey, entry);
      return use(entry.key);
    }
    if (entry !== undefined) {
      this.#evictDecryption(cacheKey, entry);
    }
    // Expiry runs on a timer, which cannot fire between the key landing and this continuation,
    // but another blob landing at the same moment may push this key out of a full cache.
    const landed = await untilAborted(this.#decryptShared(cacheKey, encryptedKeys, limits), options.signal);
    if (landed.live) {
      return use(landed.key);
    }
    return this.#withFreshDecryptionKey(encryptedKeys, options, use);
  }

  /** Zeroes and drops every cached key. Calls that are waiting for the server still complete. */
  clear(): void {
    for (const [cacheKey, entry] of this.#encryptionEntries) {
      this.#evictEncryption(cacheKey, entry);
    }
    for (const [cacheKey, entry] of this.#decryptionEntries) {
      this.#evictDecryption(cacheKey, entry);
    }
  }

  /** Number of keys cached on each side, for tests and metrics. */
  get size(): { encryption: number; decryption: number } {
    return { encryption: this.#encryptionEntries.size, decryption: this.#decryptionEntries.size };
  }

  async #withFreshEncryptionKey<T>(
    context: KeyContext,
    options: RequestOptions,
    use: (key: Buffer, encryptedKeys: Buffer) => T,
  ): Promise<T> {
    const pair = await this.#fetchers.createDataKey(context, options);
    try {
      return use(pair.dataKey, Buffer.from(pair.encryptedKeys, 'base64'));
    } finally {
      pair.dataKey.fill(0);
    }
  }

  async #withFreshDecryptionKey<T>(
    encryptedKeys: Buffer,
    options: RequestOptions,
    use: (key: Buffer) => T,
  ): Promise<T> {
    const { dataKey } = await this.#fetchers.decryptDataKey(encryptedKeys, options);
    try {
      return use(dataKey);
    } finally {
      dataKey.fill(0);
    }
  }

  /** Fetches a key for `context` and caches it. Concurrent callers share one fetch. */
  #createShared(cacheKey: string, context: KeyContext, limits: EncryptionKeyCacheOptions): Promise<EncryptionEntry> {
    const pending = this.#pendingCreates.get(cacheKey);
    if (pending !== undefined) {
      return pending;
    }
    // The shared call carries no caller's signal, so one caller's abort cannot fail the others.
    const fetched = this.#fetchers.createDataKey(context, {}).then((pair) => {
      const previous = this.#encryptionEntries.get(cacheKey);
      if (previous !== undefined) {
        this.#evictEncryption(cacheKey, previous);
      }
      this.#makeRoom(this.#encryptionEntries, limits.maxContexts ?? DEFAULT_MAX_CACHED_CONTEXTS, (key, entry) =>
        this.#evictEncryption(key, entry),
      );
      const entry: EncryptionEntry = {
        key: pair.dataKey,
        live: true,
        encryptedKeys: Buffer.from(pair.encryptedKeys, 'base64'),
        messages: 0,
        bytes: 0,
        expiresAt: performance.now() + limits.maxAgeMs,
        timer: expireAfter(limits.maxAgeMs, () => this.#evictEncryption(cacheKey, entry)),
      };
      this.#encryptionEntries.set(cacheKey, entry);
      return entry;
    });
    return this.#track(this.#pendingCreates, cacheKey, fetched);
  }

  /** Decrypts `encryptedKeys` and caches the key. Concurrent callers share one fetch. */
  #decryptShared(cacheKey: string, encryptedKeys: Buffer, limits: DecryptionKeyCacheOptions): Promise<CachedKey> {
    const pending = this.#pendingDecrypts.get(cacheKey);
    if (pending !== undefined) {
      return pending;
    }
    const fetched = this.#fetchers.decryptDataKey(encryptedKeys, {}).then(({ dataKey }) => {
      const previous = this.#decryptionEntries.get(cacheKey);
      if (previous !== undefined) {
        this.#evictDecryption(cacheKey, previous);
      }
      this.#makeRoom(this.#decryptionEntries, limits.maxEntries, (key, entry) => this.#evictDecryption(key, entry));
      const entry: CachedKey = {
        key: dataKey,
        live: true,
        expiresAt: performance.now() + limits.maxAgeMs,
        timer: expireAfter(limits.maxAgeMs, () => this.#evictDecryption(cacheKey, entry)),
      };
      this.#decryptionEntries.set(cacheKey, entry);
      return entry;
    });
    return this.#track(this.#pendingDecrypts, cacheKey, fetched);
  }

  #track<E>(pending: Map<string, Promise<E>>, cacheKey: string, fetched: Promise<E>): Promise<E> {
    const tracked = fetched.finally(() => pending.delete(cacheKey));
    pending.set(cacheKey, tracked);
    return tracked;
  }

  /** Evicts the oldest entries (the first in Map order) until one more fits under `max`. */
  #makeRoom<E>(entries: Map<string, E>, max: number, evict: (cacheKey: string, entry: E) => void): void {
    for (const [cacheKey, entry] of entries) {
      if (entries.size < max) {
        return;
      }
      evict(cacheKey, entry);
    }
  }

  #evictEncryption(cacheKey: string, entry: EncryptionEntry): void {
    dropEntry(this.#encryptionEntries, cacheKey, entry);
  }

  #evictDecryption(cacheKey: string, entry: CachedKey): void {
    dropEntry(this.#decryptionEntries, cacheKey, entry);
  }
}

/** Counts one more message against the entry's limits, or returns false when it does not fit. */
function reserve(
  entry: EncryptionEntry,
  byteLength: number,
  limits: EncryptionKeyCacheOptions,
  justLanded: boolean,
): boolean {
  if (!entry.live || (!justLanded && performance.now() >= entry.expiresAt)) {
    return false;
  }
  if (entry.messages + 1 > limits.maxMessages || entry.bytes + byteLength > limits.maxBytes) {
    return false;
  }
  entry.messages++;
  entry.bytes += byteLength;
  return true;
}

function dropEntry<E extends CachedKey>(entries: Map<string, E>, cacheKey: string, entry: E): void {
  clearTimeout(entry.timer);
  entry.key.fill(0);
  entry.live = false;
  // Another entry may have replaced this one under the same cache key, and that one stays.
  if (entries.get(cacheKey) === entry) {
    entries.delete(cacheKey);
  }
}

/** Runs `evict` after `ms`, without keeping the process alive for it. */
function expireAfter(ms: number, evict: () => void): NodeJS.Timeout {
  return setTimeout(evict, ms).unref();
}

/**
 * Builds one cache key for every ordering of the same pairs, since the same pairs select the
 * same KEKs whatever their order. Pairs are sorted by the UTF-8 bytes of their keys.
 */
function contextCacheKey(context: KeyContext): string {
  const pairs: ContextPair[] = Object.entries(context).map(([key, value]) => ({ key, value }));
  return JSON.stringify(sortContextPairs(pairs).map((pair) => [pair.key, pair.value]));
}

/** Waits for `promise`, or rejects with the signal's reason as soon as the signal aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
