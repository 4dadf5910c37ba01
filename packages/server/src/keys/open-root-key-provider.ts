import type { Logger } from 'pino';
import type { ServerConfig } from '../config.js';
import type { Storage } from '../storage/storage.js';
import { loadLocalRootKey } from './load-local-root-key.js';
import { LocalRootKeyProvider } from './local-root-key-provider.js';
import type { RootKeyProvider } from './root-key-provider.js';
import { hasRootKeyCheck, verifyRootKey } from './verify-root-key.js';

/**
 * Loads the configured root key provider and checks it against the database. A new database
 * with no root key configured gets a generated development key file in the data dir.
 */
export async function openRootKeyProvider(
  config: ServerConfig,
  storage: Storage,
  logger: Logger,
): Promise<RootKeyProvider> {
  const rootKey = loadLocalRootKey({
    rootKey: config.rootKey,
    rootKeyFile: config.rootKeyFile,
    dataDir: config.dataDir,
    mayGenerate: !(await hasRootKeyCheck(storage)),
  });
  const provider = new LocalRootKeyProvider(rootKey.key);
  await verifyRootKey(storage, provider);
  logger.warn(
    { root_key_provider: provider.name, root_key_source: rootKey.source, root_key_file: rootKey.path },
    rootKey.source === 'generated-file'
      ? 'generated a local root key file for development: back it up, because without it no data can be decrypted'
      : 'using a local root key, which is meant for development: anyone who can read it and the database can decrypt every KEK',
  );
  return provider;
}
