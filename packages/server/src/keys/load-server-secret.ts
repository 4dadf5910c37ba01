import { randomBytes } from 'node:crypto';
import type { Storage } from '../storage/storage.js';
import type { RootKeyProvider } from './root-key-provider.js';

/**
 * Loads a 32-byte secret shared by every process of a deployment, creating it on first use.
 * It is stored in the database wrapped by the root key, under `coffer_meta.name`. The
 * idempotency records use one as an HMAC key, so a stored request hash reveals nothing about a
 * low-entropy value.
 */
export async function loadServerSecret(storage: Storage, provider: RootKeyProvider, name: string): Promise<Buffer> {
  const aad = Buffer.from(`coffer server secret v1 ${name}`, 'utf8');
  let stored = await storage.getMeta(name);
  if (stored === undefined) {
    const fresh = randomBytes(32);
    const wrapped = await provider.wrap(fresh, aad);
    fresh.fill(0);
    stored = await storage.insertMetaIfAbsent(name, wrapped.toString('base64'));
  }
  return provider.unwrap(Buffer.from(stored, 'base64'), aad);
}
