/** Receives the storage layer's log lines; a pino logger fits. */
export interface StorageLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Settings of the PostgreSQL backend. */
export interface PostgresOptions {
  /** Connection URL, `postgres://user:password@host:port/database`. Never logged: it may hold a password. */
  url: string;
  /** Maximum number of connections the serving pool opens. Default: `DEFAULT_POOL_SIZE`. */
  poolSize?: number;
  logger?: StorageLogger;
}

/**
 * Default maximum of pooled connections per process. Each request uses a connection only for
 * its few statements, so ten keep a process busy. The server's `max_connections` (100 by
 * default) must cover the pool size times the number of Coffer processes, plus one listening
 * connection per process.
 */
export const DEFAULT_POOL_SIZE = 10;

/** A logger that drops everything, for callers that give none. */
export const SILENT_LOGGER: StorageLogger = {
  info: () => {},
  warn: () => {},
};
