/**
 * Exit codes of the `coffer` command, as documented in its help and the README.
 *
 * @example
 * process.exitCode = EXIT.usage;
 */
export const EXIT = {
  ok: 0,
  /** The operation failed: the server rejected it, a file was unreadable, a decryption failed. */
  failure: 1,
  /** The command line was wrong: unknown option, missing argument, invalid value. */
  usage: 2,
  /** The server could not be reached or responded with a 5xx. */
  unavailable: 3,
} as const;

/**
 * An error reported to the user as one line on stderr, without a stack trace.
 *
 * @example
 * throw new CliError('no Coffer database in ./data', EXIT.failure);
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
