import { DEFAULT_CONFIG } from '@coffer/server';
import { Option } from 'commander';
import { CliError, EXIT } from '../cli-error.js';

/**
 * Options shared by every command that opens the data directory or database directly.
 *
 * @example
 * for (const option of storageOptions()) command.addOption(option);
 */
export function storageOptions(): Option[] {
  return [
    new Option('--data-dir <path>', 'directory of the SQLite database and the generated root key')
      .env('COFFER_DATA_DIR')
      .default(DEFAULT_CONFIG.dataDir),
    new Option(
      '--database-url <url>',
      'PostgreSQL URL (postgres://user@host:port/db); SQLite in --data-dir when absent',
    ).env('COFFER_DATABASE_URL'),
  ];
}

/**
 * Parses a whole number within bounds, for commander's argParser.
 *
 * @example
 * new Option('--port <number>').argParser(integerOption('--port', 0, 65535));
 */
export function integerOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`, EXIT.usage);
    }
    return parsed;
  };
}

/**
 * Parses a byte size such as 1048576, 512KiB, 1MiB or 8MB.
 *
 * @example
 * byteSizeOption('--max-value-size')('1MiB'); // 1048576
 */
export function byteSizeOption(name: string): (value: string) => number {
  return (value: string) => {
    const match = /^(\d+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$/i.exec(value.trim());
    if (match === null) {
      throw new CliError(`${name} must be a size such as 1048576, 512KiB or 8MiB, got "${value}"`, EXIT.usage);
    }
    const units: Record<string, number> = {
      b: 1,
      kb: 1000,
      kib: 1024,
      mb: 1000 ** 2,
      mib: 1024 ** 2,
      gb: 1000 ** 3,
      gib: 1024 ** 3,
    };
    return Number(match[1]) * (units[(match[2] ?? 'b').toLowerCase()] as number);
  };
}
