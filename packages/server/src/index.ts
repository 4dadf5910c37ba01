export * from './config.js';
export * from './errors.js';
export { systemClock } from './ids.js';
export { createLogger } from './logging/create-logger.js';
export { ApiKeyService, DEFAULT_ENVIRONMENT, type Principal } from './services/api-key-service.js';
export { type RunningServer, type StartOptions, startServer } from './start-server.js';
export { openStorage } from './storage/open-storage.js';
export type { ApiKeyRecord, EnvironmentRecord } from './storage/records.js';
export type { Storage } from './storage/storage.js';
