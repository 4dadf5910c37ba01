import { databaseUrlFor } from '@coffer/testkit';
import { ApiKeyService, openStorage, systemClock } from '../../src/index.js';

/**
 * Creates an environment (if missing) and an API key in it, working on the storage of a data dir
 * directly as the `coffer api-keys` commands do. Returns the key's secret.
 *
 * NOTE: the CLI has no command that creates an environment yet, so tests reach the server
 * package's own API key service instead.
 */
export async function createEnvironmentApiKey(
  dataDir: string,
  environmentName: string,
  keyName: string,
): Promise<string> {
  const storage = await openStorage({ databaseUrl: databaseUrlFor(dataDir), dataDir });
  try {
    const apiKeys = new ApiKeyService(storage, systemClock, 0);
    const environment = await apiKeys.ensureEnvironment(environmentName);
    const { secret } = await apiKeys.create(keyName, environment);
    return secret;
  } finally {
    await storage.close();
  }
}
