import { isIP } from 'node:net';

/** Everything `coffer serve` can be configured with. Units are in the names. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** PostgreSQL connection URL; SQLite in `dataDir` when absent. */
  databaseUrl: string | undefined;
  /** Connections in the PostgreSQL pool of each process (one more is used for LISTEN). */
  databasePoolSize: number;
  /** Path of a file with the base64 root key; `<dataDir>/root.key` when neither this nor `rootKey` is set. */
  rootKeyFile: string | undefined;
  /** Base64 of the 32-byte root key, from COFFER_ROOT_KEY. */
  rootKey: string | undefined;
  logLevel: LogLevel;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** Serve plain HTTP on a non-loopback address. */
  insecureHttp: boolean;
  /** An API key secret that must exist after start, for automation and tests. */
  bootstrapApiKey: string | undefined;
  maxBodyBytes: number;
  maxValueBytes: number;
  kekCacheTtlMs: number;
  kekCacheMaxEntries: number;
  /** Days an event is kept before it is deleted; 0 keeps events forever. */
  eventRetentionDays: number;
  /** How long an API key lookup is cached, which bounds how late a revocation takes effect. */
  apiKeyCacheTtlMs: number;
  /** Adds an unauthenticated `/bench/baseline` route for the benchmark's bare-Fastify baseline. */
  benchmarkBaseline: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Defaults of every setting; `coffer serve --help` prints the same values. */
export const DEFAULT_CONFIG: ServerConfig = {
  host: '127.0.0.1',
  port: 7700,
  dataDir: './.coffer',
  databaseUrl: undefined,
  databasePoolSize: 10,
  rootKeyFile: undefined,
  rootKey: undefined,
  logLevel: 'info',
  tlsCertFile: undefined,
  tlsKeyFile: undefined,
  insecureHttp: false,
  bootstrapApiKey: undefined,
  maxBodyBytes: 8 * 1024 * 1024,
  maxValueBytes: 1024 * 1024,
  kekCacheTtlMs: 5 * 60 * 1000,
  kekCacheMaxEntries: 100_000,
  eventRetentionDays: 90,
  apiKeyCacheTtlMs: 2000,
  benchmarkBaseline: false,
};

/** A setting that makes the server unable or unsafe to start. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Checks a configuration before anything starts and raises `ConfigError` with a message that
 * names the setting and the fix.
 */
export function validateConfig(config: ServerConfig): void {
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new ConfigError(`--port must be an integer from 0 to 65535, got ${config.port}`);
  }
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    throw new ConfigError('--tls-cert and --tls-key must be given together');
  }
  const tls = config.tlsCertFile !== undefined;
  if (!tls && !isLoopback(config.host) && !config.insecureHttp) {
    throw new ConfigError(
      `refusing to serve plain HTTP on non-loopback address ${config.host}: data keys and secrets would cross ` +
        'the network unencrypted. Give --tls-cert and --tls-key, bind to 127.0.0.1, or pass --insecure-http ' +
        'if TLS ends at a proxy in front of Coffer.',
    );
  }
  if (config.rootKey !== undefined && config.rootKeyFile !== undefined) {
    throw new ConfigError('give the root key either as COFFER_ROOT_KEY or as --root-key-file, not both');
  }
  if (!Number.isInteger(config.eventRetentionDays) || config.eventRetentionDays < 0) {
    throw new ConfigError(
      `--event-retention-days must be a whole number of days (0 keeps events forever), got ${config.eventRetentionDays}`,
    );
  }
  if (config.maxValueBytes < 1 || config.maxBodyBytes < 1024) {
    throw new ConfigError('--max-value-size must be at least 1 byte and --max-body-size at least 1024 bytes');
  }
  if (config.bootstrapApiKey !== undefined && !/^sk_[A-Za-z0-9_-]{16,200}$/.test(config.bootstrapApiKey)) {
    throw new ConfigError(
      'COFFER_BOOTSTRAP_API_KEY must start with "sk_" followed by 16 to 200 letters, digits, "-" or "_"',
    );
  }
}

/** Tests whether a host name or address only reaches this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') {
    return true;
  }
  return isIP(host) === 4 && host.startsWith('127.');
}
