import { CliError, EXIT } from '../cli-error.js';

/**
 * Builds a commander argParser that accepts a whole number from `min` to `max` and raises a
 * usage `CliError` naming the option otherwise. It lives apart from the server options so that
 * client commands do not load the server package.
 *
 * @example
 * new Option('--limit <count>').argParser(wholeNumberOption('--limit', 1, 100));
 */
export function wholeNumberOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`${name} must be a whole number from ${min} to ${max}, got "${value}"`, EXIT.usage);
    }
    return parsed;
  };
}
