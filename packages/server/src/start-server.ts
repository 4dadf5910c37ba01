import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, type ServerConfig, validateConfig } from './config.js';
import { buildApp } from './http/build-app.js';
import { systemClock } from './ids.js';
import { loadLocalRootKey } from './keys/load-local-root-key.js';
import { loadServerSecret } from './keys/load-server-secret.js';
import { LocalRootKeyProvider } from './keys/local-root-key-provider.js';
import { hasRootKeyCheck, verifyRootKey } from './keys/verify-root-key.js';
import { createLogger } from './logging/create-logger.js';
import { ApiKeyService, DEFAULT_ENVIRONMENT } from './services/api-key-service.js';
import { DataKeyService } from './services/data-key-service.js';
import { EventRecorder } from './services/event-recorder.js';
import { KekService } from './services/kek-service.js';
import { ObjectService } from './services/object-service.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';

/** How often expired idempotency records are deleted. */
const IDEMPOTENCY_PURGE_INTERVAL_MS = 15 * 60 * 1000;

/** A started server. `close()` finishes in-flight requests, then closes the database. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where the lines meant for a person go: the listening address and a new API key. */
  stdout: Writable;
  /** A logger to use instead of JSON lines on stderr. */
  logger?: Logger;
}

/**
 * Starts `coffer serve`: opens and migrates the database, loads and checks the root key,
 * makes sure the default environment and an API key exist, and listens. Raises `ConfigError`
 * for settings that cannot work, before binding any port.
 */
export async function startServer(config: ServerConfig, options: StartOptions): Promise<RunningServer> {
  validateConfig(config);
  const logger = options.logger ?? createLogger(config.logLevel);
  const https = readTls(config);

  const storage = await openStorage(config);
  try {
    return await startWithStorage(config, options, logger, storage, https);
  } catch (error) {
    await storage.close();
    throw error;
  }
}

async function startWithStorage(
  config: ServerConfig,
  options: StartOptions,
  logger: Logger,
  storage: Storage,
  https: { cert: Buffer; key: Buffer } | undefined,
): Promise<RunningServer> {
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
      ? 'generated a local root key file for development; keep it safe and back it up, or use an HSM or KMS in production'
      : 'using a local root key, which is meant for development; use an HSM or KMS root key provider in production',
  );

  const events = new EventRecorder(storage, systemClock, logger);
  const keks = new KekService(storage, provider, systemClock, {
    cacheTtlMs: config.kekCacheTtlMs,
    cacheMaxEntries: config.kekCacheMaxEntries,
  });
  const dataKeys = new DataKeyService(keks, events);
  const idempotencyKey = await loadServerSecret(storage, provider, 'idempotency_hmac_key');
  const objects = new ObjectService(storage, keks, events, systemClock, idempotencyKey);
  const apiKeys = new ApiKeyService(storage, systemClock, config.apiKeyCacheTtlMs);
  await ensureFirstApiKey(apiKeys, config, logger, options.stdout);

  let closing = false;
  const app = buildApp(
    { apiKeys, dataKeys, objects },
    {
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxValueBytes: config.maxValueBytes,
      benchmarkBaseline: config.benchmarkBaseline,
      isClosing: () => closing,
      ...(https === undefined ? {} : { https }),
    },
  );
  await app.listen({ host: config.host, port: config.port });

  const url = listeningUrl(app, https !== undefined);
  logger.info({ url, backend: storage.backend, data_dir: config.dataDir }, 'coffer is listening');
  options.stdout.write(`Coffer is listening on ${url}\n`);

  const purge = setInterval(() => {
    objects.purgeIdempotencyRecords().then(
      (count) => logger.debug({ count }, 'purged expired idempotency records'),
      (error: unknown) => logger.warn({ err: error }, 'purging expired idempotency records failed; will retry'),
    );
  }, IDEMPOTENCY_PURGE_INTERVAL_MS);
  purge.unref();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      clearInterval(purge);
      await app.close();
      await events.flush();
      await storage.close();
      await provider.close();
      logger.info('coffer stopped');
      logger.flush();
    })();
    return closed;
  };
  return { url, app, logger, close };
}

async function ensureFirstApiKey(
  apiKeys: ApiKeyService,
  config: ServerConfig,
  logger: Logger,
  stdout: Writable,
): Promise<void> {
  const environment = await apiKeys.ensureEnvironment(DEFAULT_ENVIRONMENT);
  if (config.bootstrapApiKey !== undefined) {
    const { record, created } = await apiKeys.ensureSecret(config.bootstrapApiKey, 'bootstrap', environment);
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

function readTls(config: ServerConfig): { cert: Buffer; key: Buffer } | undefined {
  if (config.tlsCertFile === undefined || config.tlsKeyFile === undefined) {
    return undefined;
  }
  try {
    return { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) };
  } catch (error) {
    throw new ConfigError(`cannot read the TLS certificate or key: ${(error as Error).message}`);
  }
}

function listeningUrl(app: FastifyInstance, tls: boolean): string {
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${tls ? 'https' : 'http'}://${host}:${address.port}`;
}
