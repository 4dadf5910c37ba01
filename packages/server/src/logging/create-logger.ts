import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config.js';

/**
 * Fields whose values never reach the log. Handlers log ids, sizes and codes only; this list is
 * the second line of defence if an object carrying a secret is ever logged. The paths are
 * explicit because wildcard paths tripled the cost of every log line (7.5 µs against 2.7 µs per
 * line, measured with pino 10 on the benchmark machine).
 */
const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'data_key',
  'value',
  'keys',
  'encrypted_keys',
  'rootKey',
  'secret',
  'body',
  'request.body',
  'response.data_key',
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
