import { randomBytes } from 'node:crypto';
import { ConfigError } from '../config.js';
import type { Storage } from '../storage/storage.js';
import type { RootKeyProvider } from './root-key-provider.js';

const CHECK_META_NAME = 'root_key_check';
const CHECK_AAD = Buffer.from('coffer root key check v1', 'utf8');

/**
 * Makes sure the root key is the one this database was set up with, so a wrong key fails at
 * start instead of on the first request that needs a KEK. The first start stores a value wrapped
 * by the root key; later starts must unwrap it.
 */
export async function verifyRootKey(storage: Storage, provider: RootKeyProvider): Promise<'stored' | 'verified'> {
  const existing = await storage.getMeta(CHECK_META_NAME);
  if (existing === undefined) {
    const wrapped = await provider.wrap(randomBytes(32), CHECK_AAD);
    const stored = await storage.insertMetaIfAbsent(CHECK_META_NAME, wrapped.toString('base64'));
    if (stored === wrapped.toString('base64')) {
      return 'stored';
    }
    return checkWrapped(stored, provider);
  }
  return checkWrapped(existing, provider);
}

/** Tests whether the database already has a root key check, that is, keys wrapped by a root key. */
export async function hasRootKeyCheck(storage: Storage): Promise<boolean> {
  return (await storage.getMeta(CHECK_META_NAME)) !== undefined;
}

async function checkWrapped(stored: string, provider: RootKeyProvider): Promise<'verified'> {
  try {
    const opened = await provider.unwrap(Buffer.from(stored, 'base64'), CHECK_AAD);
    opened.fill(0);
    return 'verified';
  } catch {
    throw new ConfigError(
      `the root key from the ${provider.name} provider is not the one this database was set up with; ` +
        'start Coffer with the original root key',
    );
  }
}
