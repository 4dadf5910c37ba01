import { type Command, Option } from 'commander';
import { CliError, EXIT } from '../cli-error.js';
import type { ConnectionFlags } from './connection-options.js';
import { openOutput } from './input-output.js';
import { printJson } from './json-shapes.js';

/**
 * Maximum input size of `--format workos`, which keeps the whole message in memory: 64 MiB.
 *
 * @example
 * const input = await readAllInput(file, MAX_WORKOS_FORMAT_BYTES, 'input for --format workos');
 */
export const MAX_WORKOS_FORMAT_BYTES = 64 * 1024 * 1024;

/**
 * The flags that `encrypt` and `decrypt` share.
 *
 * @example
 * withCryptOptions(command, 'plaintext').action((file: string | undefined, flags: CryptFlags) => run(file, flags));
 */
export interface CryptFlags extends ConnectionFlags {
  aad?: string;
  output?: string;
  format: 'stream' | 'workos';
  progress?: boolean;
}

/**
 * Adds `--aad`, `--output`, `--format`, `--progress` and `--no-progress` to `encrypt` or `decrypt`.
 *
 * @example
 * withCryptOptions(new Command('encrypt'), 'ciphertext');
 */
export function withCryptOptions(command: Command, produces: 'ciphertext' | 'plaintext'): Command {
  return command
    .option('--aad <text>', 'associated data (UTF-8 text) bound to the ciphertext; decryption must give the same text')
    .option('-o, --output <file>', `write the ${produces} to this file instead of stdout`)
    .addOption(
      new Option(
        '--format <format>',
        'stream: Coffer streaming format, any size in constant memory; ' +
          'workos: the base64 layout of the WorkOS SDKs encrypt/decrypt, for inputs up to 64 MiB',
      )
        .choices(['stream', 'workos'])
        .default('stream'),
    )
    .option('--progress', 'always show a progress line on stderr')
    .option('--no-progress', 'never show a progress line (by default it shows on a terminal for inputs over 8 MiB)');
}

/**
 * Rejects `--json` with the stream format on stdout, where the binary output and the JSON
 * summary would mix.
 *
 * @example
 * checkJsonTarget(flags);
 */
export function checkJsonTarget(flags: CryptFlags): void {
  if (flags.json === true && flags.format === 'stream' && !writesToFile(flags)) {
    throw new CliError(
      '--json with the stream format needs --output FILE, because stdout carries the binary data',
      EXIT.usage,
    );
  }
}

/**
 * Tests whether the output goes to a file rather than stdout.
 *
 * @example
 * if (flags.json === true && !writesToFile(flags)) printJson({ format: 'workos', ciphertext });
 */
export function writesToFile(flags: CryptFlags): boolean {
  return flags.output !== undefined && flags.output !== '-';
}

/**
 * Writes a whole in-memory result to `--output` (through a temporary file) or to stdout.
 *
 * @example
 * await writeWhole(flags, Buffer.from(`${ciphertext}\n`), 0o666);
 */
export async function writeWhole(flags: CryptFlags, bytes: Buffer, mode: number): Promise<void> {
  const output = await openOutput(flags.output, mode);
  try {
    await new Promise<void>((resolve, reject) => {
      output.stream.once('error', reject);
      if (output.stream === process.stdout) {
        output.stream.write(bytes, (error) => (error ? reject(error) : resolve()));
      } else {
        output.stream.end(bytes, () => resolve());
      }
    });
    await output.commit();
  } finally {
    await output.discard();
  }
}

/**
 * Prints the `--json` summary of a run that wrote a file.
 *
 * @example
 * printSummary(flags, 1024, 1100);
 */
export function printSummary(flags: CryptFlags, inputBytes: number, outputBytes: number | undefined): void {
  printJson({ output: flags.output, format: flags.format, input_bytes: inputBytes, output_bytes: outputBytes });
}
