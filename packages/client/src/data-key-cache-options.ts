/**
 * Maximum number of messages one cached data key may encrypt: 2^32. Every message gets a random 96-bit GCM
 * nonce, and NIST SP 800-38D caps random-nonce encryptions under one key at 2^32 so that the
 * chance of a repeated nonce stays below 2^-32.
 *
 * @example
 * const encryption = { maxAgeMs: 60_000, maxMessages: MAX_MESSAGES_PER_DATA_KEY, maxBytes: 2 ** 30 };
 */
export const MAX_MESSAGES_PER_DATA_KEY = 2 ** 32;

/**
 * Maximum `maxAgeMs` of either side: 2^31 - 1 ms (about 24.8 days), the longest delay `setTimeout` accepts.
 *
 * @example
 * const decryption = { maxAgeMs: Math.min(requestedAgeMs, MAX_CACHE_AGE_MS), maxEntries: 100 };
 */
export const MAX_CACHE_AGE_MS = 2 ** 31 - 1;

/**
 * Maximum number of contexts whose encryption key is cached at once, unless `maxContexts` is given.
 *
 * @example
 * const maxContexts = 2 * DEFAULT_MAX_CACHED_CONTEXTS;
 * const encryption = { maxAgeMs: 60_000, maxMessages: 1000, maxBytes: 2 ** 20, maxContexts };
 */
export const DEFAULT_MAX_CACHED_CONTEXTS = 1000;

/**
 * Limits of the encryption side of the cache. A cached data key is replaced as soon as it
 * reaches any of them, and all three are required.
 *
 * @example
 * const encryption: EncryptionKeyCacheOptions = { maxAgeMs: 60_000, maxMessages: 10_000, maxBytes: 100 * 2 ** 20 };
 */
export interface EncryptionKeyCacheOptions {
  /** How long one data key is used for, in milliseconds from its creation. */
  maxAgeMs: number;
  /** How many messages one data key encrypts, 1 to 2^32. */
  maxMessages: number;
  /** How many plaintext bytes one data key encrypts, summed over its messages. */
  maxBytes: number;
  /** Maximum number of contexts with a cached key; the key created first is evicted first. Default 1000. */
  maxContexts?: number;
}

/**
 * Limits of the decryption side of the cache, which maps `encrypted_keys` blobs to data keys.
 *
 * @example
 * const decryption: DecryptionKeyCacheOptions = { maxAgeMs: 60_000, maxEntries: 1000 };
 */
export interface DecryptionKeyCacheOptions {
  /** How long a decrypted data key stays cached, in milliseconds from its decryption. */
  maxAgeMs: number;
  /** Maximum number of cached decrypted data keys; the least recently used is evicted first. */
  maxEntries: number;
}

/**
 * The data-key cache of a `CofferClient`; off unless given. Each side is enabled by giving its
 * limits, and at least one side must be given.
 *
 * What the cache trades away: it saves a server round trip and a Vault event per message, but
 * a data key then stays in this process's memory for up to `maxAgeMs`. Many messages share one
 * data key, so crypto-shredding or rekeying one `encrypted_keys` blob acts on all of them
 * together. The server's audit log records one event per data key instead of one per message.
 *
 * @example
 * const coffer = new CofferClient({
 *   apiKey,
 *   dataKeyCache: {
 *     encryption: { maxAgeMs: 60_000, maxMessages: 10_000, maxBytes: 100 * 2 ** 20 },
 *     decryption: { maxAgeMs: 60_000, maxEntries: 1000 },
 *   },
 * });
 */
export interface DataKeyCacheOptions {
  encryption?: EncryptionKeyCacheOptions;
  decryption?: DecryptionKeyCacheOptions;
}

/**
 * Checks cache options at construction, so that a bad limit fails at start instead of at the
 * first message. Raises `TypeError` for a missing limit and `RangeError` for one out of range.
 *
 * @example
 * validateDataKeyCacheOptions({ decryption: { maxAgeMs: 60_000, maxEntries: 100 } });
 */
export function validateDataKeyCacheOptions(options: DataKeyCacheOptions): void {
  const { encryption, decryption } = options;
  if (encryption === undefined && decryption === undefined) {
    throw new TypeError('dataKeyCache needs limits for encryption, decryption or both');
  }
  if (encryption !== undefined) {
    checkLimit('dataKeyCache.encryption.maxAgeMs', encryption.maxAgeMs, MAX_CACHE_AGE_MS);
    checkLimit('dataKeyCache.encryption.maxMessages', encryption.maxMessages, MAX_MESSAGES_PER_DATA_KEY);
    checkLimit('dataKeyCache.encryption.maxBytes', encryption.maxBytes, Number.MAX_SAFE_INTEGER);
    if (encryption.maxContexts !== undefined) {
      checkLimit('dataKeyCache.encryption.maxContexts', encryption.maxContexts, Number.MAX_SAFE_INTEGER);
    }
  }
  if (decryption !== undefined) {
    checkLimit('dataKeyCache.decryption.maxAgeMs', decryption.maxAgeMs, MAX_CACHE_AGE_MS);
    checkLimit('dataKeyCache.decryption.maxEntries', decryption.maxEntries, Number.MAX_SAFE_INTEGER);
  }
}

function checkLimit(name: string, value: unknown, max: number): void {
  if (value === undefined) {
    throw new TypeError(`${name} is required when that side of the data-key cache is enabled`);
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    const reason =
      max === MAX_MESSAGES_PER_DATA_KEY ? ' because random 96-bit GCM nonces must stay under 2^32 per key' : '';
    throw new RangeError(`${name} must be a whole number from 1 to ${max}${reason}, got ${String(value)}`);
  }
}
