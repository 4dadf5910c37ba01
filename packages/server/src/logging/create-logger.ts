import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config.js';

/**
 * Field names whose values never reach the log, wherever they appear. Handlers log ids, sizes
 * and codes only; this list is the second line of defence if a whole object is ever logged.
 */
const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'data_key',
  '*.data_key',
  'value',
  '*.value',
  'keys',
  '*.keys',
  'encrypted_keys',
  '*.encrypted_keys',
  'rootKey',
  '*.rootKey',
  'secret',
  '*.secret',
  'body',
  '*.body',
];

/**
 * Creates the service's pino logger: JSON lines on stderr (stdout is kept for the few lines a
 * person must read, such as a new API key), with secret-bearing fields redacted.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'coffer', pid: process.pid },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}
