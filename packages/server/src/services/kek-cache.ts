import type { WrappingKek } from '@coffer/core';

/** An unwrapped KEK version ready for use, with the ids the services report. */
export interface UsableKek extends WrappingKek {
  /** The KEK id as a UUID string, as stored in the database. */
  kekId: string;
  environmentId: string;
}

interface Entry {
  kek: UsableKek;
  expiresAt: number;
}

/**
 * Unwrapped KEKs in memory, found by context pair (to wrap) or by KEK id and version (to
 * unwrap). Entries expire after `ttlMs`; when `maxEntries` is reached the oldest go first. The
 * raw KEK bytes are zeroed as soon as the cipher object is built, so an evicted entry leaves no
 * key bytes in JavaScript memory.
 */
export class KekCache {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #byContext = new Map<string, Entry>();
  readonly #byVersion = new Map<string, Entry>();

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  getByContext(contextKey: string, now: number): UsableKek | undefined {
    return fresh(this.#byContext, contextKey, now);
  }

  getByVersion(versionKey: string, now: number): UsableKek | undefined {
    return fresh(this.#byVersion, versionKey, now);
  }

  /** Stores a KEK under its version key, and under its context key when it is the current version. */
  put(kek: UsableKek, contextKey: string | undefined, now: number): void {
    const entry = { kek, expiresAt: now + this.#ttlMs };
    bounded(this.#byVersion, this.#maxEntries).set(versionCacheKey(kek.id, kek.version), entry);
    if (contextKey !== undefined) {
      bounded(this.#byContext, this.#maxEntries).set(contextKey, entry);
    }
  }

  clear(): void {
    this.#byContext.clear();
    this.#byVersion.clear();
  }
}

/** Cache key of a context pair within an environment; NUL cannot occur in keys or values. */
export function contextCacheKey(environmentId: string, contextKey: string, contextValue: string): string {
  return `${environmentId}\u0000${contextKey}\u0000${contextValue}`;
}

/** Cache key of one KEK version, from the 16 id bytes as they appear in a blob. */
export function versionCacheKey(kekId: Buffer, version: number): string {
  return `${kekId.toString('hex')}/${version}`;
}

function fresh(map: Map<string, Entry>, key: string, now: number): UsableKek | undefined {
  const entry = map.get(key);
  if (entry === undefined) {
    return undefined;
  }
  if (entry.expiresAt <= now) {
    map.delete(key);
    return undefined;
  }
  return entry.kek;
}

function bounded(map: Map<string, Entry>, maxEntries: number): Map<string, Entry> {
  while (map.size >= maxEntries) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) {
      break;
    }
    map.delete(oldest);
  }
  return map;
}
