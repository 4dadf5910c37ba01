import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { type ApiKeyService, DEFAULT_ENVIRONMENT } from './api-key-service.js';

/**
 * Makes sure the default environment exists, that the bootstrap secret (if any) is an API key,
 * and that at least one API key exists. A key created here is printed once on `stdout`.
 */
export async function ensureFirstApiKey(
  apiKeys: ApiKeyService,
  bootstrapApiKey: string | undefined,
  logger: Logger,
  stdout: Writable,
): Promise<void> {
  const environment = await apiKeys.ensureEnvironment(DEFAULT_ENVIRONMENT);
  if (bootstrapApiKey !== undefined) {
    const { record, created } = await apiKeys.ensureSecret(bootstrapApiKey, 'bootstrap', environment);
    logger.info({ api_key_id: record.id, created }, 'bootstrap API key is in place');
  }
  if ((await apiKeys.count()) > 0) {
    return;
  }
  const { record, secret } = await apiKeys.create('initial', environment);
  logger.info({ api_key_id: record.id, environment_id: environment.id }, 'created the first API key');
  stdout.write(
    `Created API key ${record.id} in environment "${environment.name}". Store this secret now; ` +
      `it is not shown again:\n\n    ${secret}\n\n`,
  );
}
