import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, type ServerConfig, validateConfig } from './config.js';
import { buildApp } from './http/build-app.js';
import { systemClock } from './ids.js';
import { loadServerSecret } from './keys/load-server-secret.js';
import { openRootKeyProvider } from './keys/open-root-key-provider.js';
import { createLogger } from './logging/create-logger.js';
import { ApiKeyService } from './services/api-key-service.js';
import { DataKeyService } from './services/data-key-service.js';
import { ensureFirstApiKey } from './services/ensure-first-api-key.js';
import { EventRecorder } from './services/event-recorder.js';
import { KekService } from './services/kek-service.js';
import { ObjectService } from './services/object-service.js';
import { purgeExpiredEvents } from './services/purge-expired-events.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/storage.js';

/** How often expired idempotency records and events are deleted. */
const PURGE_INTERVAL_MS = 15 * 60 * 1000;

/** A started server. `close()` finishes in-flight requests, then closes the database. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  logger: Logger;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Stream for the lines a person must read: the listening address and a new API key. */
  stdout: Writable;
  /** A logger to use instead of JSON lines on stderr. */
  logger?: Logger;
  /** Print the listening line on `stdout` (default true); worker processes leave it to the primary. */
  announce?: boolean;
}

/**
 * Does the one-time set-up of a data dir or database without serving: migrations, the root key
 * (generated on first use), the default environment and the first API key. `--workers` runs this
 * in the primary process before forking, so workers never race to create them.
 */
export async function prepareServer(config: ServerConfig, options: StartOptions): Promise<void> {
  validateConfig(config);
  const logger = options.logger ?? createLogger(config.logLevel);
  const storage = await openStorage(config);
  try {
    const provider = await openRootKeyProvider(config, storage, logger);
    await provider.close();
    const apiKeys = new ApiKeyService(storage, systemClock, config.apiKeyCacheTtlMs);
    await ensureFirstApiKey(apiKeys, config.bootstrapApiKey, logger, options.stdout);
  } finally {
    await storage.close();
  }
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

  const storage = await openStorage({ ...config, logger });
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
  const provider = await openRootKeyProvider(config, storage, logger);
  const events = new EventRecorder(storage, systemClock, logger);
  const keks = new KekService(storage, provider, systemClock, {
    cacheTtlMs: config.kekCacheTtlMs,
    cacheMaxEntries: config.kekCacheMaxEntries,
  });
  const dataKeys = new DataKeyService(keks, events);
  const idempotencyKey = await loadServerSecret(storage, provider, 'idempotency_hmac_key');
  const objects = new ObjectService(storage, keks, events, systemClock, idempotencyKey);
  const apiKeys = new ApiKeyService(storage, systemClock, config.apiKeyCacheTtlMs);
  const stopFollowingInvalidations = apiKeys.followInvalidations();
  await ensureFirstApiKey(apiKeys, config.bootstrapApiKey, logger, options.stdout);

  let closing = false;
  const app = buildApp(
    { apiKeys, dataKeys, objects, storage },
    {
      logger,
      maxBodyBytes: config.maxBodyBytes,
      maxValueBytes: config.maxValueBytes,
      benchmarkBaseline: config.benchmarkBaseline,
      isClosing: () => closing,
      isDatabaseAvailable: () => storage.isAvailable?.() ?? Promise.resolve(true),
      ...(https === undefined ? {} : { https }),
    },
  );
  await app.listen({ host: config.host, port: config.port });

  const url = listeningUrl(app, https !== undefined);
  logger.info({ url, backend: storage.backend, data_dir: config.dataDir }, 'coffer is listening');
  if (options.announce !== false) {
    options.stdout.write(`Coffer is listening on ${url}\n`);
  }

  const purgeExpired = () => {
    objects.purgeIdempotencyRecords().then(
      (count) => logger.debug({ count }, 'purged expired idempotency records'),
      (error: unknown) => logger.warn({ err: error }, 'purging expired idempotency records failed; will retry'),
    );
    purgeExpiredEvents(storage, systemClock, config.eventRetentionDays, logger).catch((error: unknown) =>
      logger.warn({ err: error }, 'purging expired events failed; will retry'),
    );
  };
  const purge = setInterval(purgeExpired, PURGE_INTERVAL_MS);
  purge.unref();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      clearInterval(purge);
      await app.close();
      await events.flush();
      stopFollowingInvalidations();
      await storage.close();
      await provider.close();
      logger.info('coffer stopped');
      logger.flush();
    })();
    return closed;
  };
  return { url, app, logger, close };
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
