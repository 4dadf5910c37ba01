import { FormatError } from '@coffer/core';
import { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { clientHelp, connect, withConnectionOptions } from './connection-options.js';
import {
  type CryptFlags,
  checkJsonTarget,
  MAX_WORKOS_FORMAT_BYTES,
  printSummary,
  withCryptOptions,
  writesToFile,
  writeWhole,
} from './crypt-options.js';
import { readAllInput } from './input-output.js';
import { printJson } from './json-shapes.js';
import { transformFile } from './transform-file.js';

/**
 * `coffer decrypt [FILE]`: decrypts a file or stdin written by `coffer encrypt`.
 *
 * @example
 * program.addCommand(decryptCommand());
 */
export function decryptCommand(): Command {
  const command = new Command('decrypt')
    .description('decrypt a file or stdin written by "coffer encrypt" or, with --format workos, by a WorkOS SDK')
    .argument('[file]', 'file to decrypt; "-" or absent reads stdin');
  withCryptOptions(command, 'plaintext');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        [
          'coffer decrypt report.pdf.coffer -o report.pdf',
          'coffer decrypt --aad backup-2025 < data.tar.coffer | tar x',
          'echo "$CIPHERTEXT" | coffer decrypt --format workos',
        ],
        'With -o, the plaintext is written to a temporary file (mode 0600) in the same directory and\n' +
          'renamed into place only after every byte has been authenticated: a failed decryption leaves\n' +
          'no output file and an existing file untouched. On stdout, output may be partial when\n' +
          'decryption fails; the exit code is then non-zero, and the output must be discarded.',
      ),
    )
    .action(async (file: string | undefined, flags: CryptFlags) => {
      await runDecrypt(file, flags);
    });
  return command;
}

async function runDecrypt(file: string | undefined, flags: CryptFlags): Promise<void> {
  checkJsonTarget(flags);
  const client = connect(flags);

  if (flags.format === 'workos') {
    const input = await readAllInput(file, MAX_WORKOS_FORMAT_BYTES, 'input for --format workos');
    const plaintext = await client.decryptToBuffer(input.toString('utf8').trim(), flags.aad);
    if (flags.json === true && !writesToFile(flags)) {
      printJson({ format: 'workos', plaintext: utf8Text(plaintext) });
      return;
    }
    await writeWhole(flags, plaintext, 0o600);
    if (flags.json === true) {
      printSummary(flags, input.length, plaintext.length);
    }
    return;
  }

  try {
    const result = await transformFile(() => client.decryptStream({ aad: flags.aad }), {
      inputPath: file,
      outputPath: flags.output,
      mode: 0o600,
      progress: flags.progress,
      label: 'decrypting',
    });
    if (flags.json === true) {
      printSummary(flags, result.inputBytes, result.outputBytes);
    }
  } catch (error) {
    if (error instanceof FormatError && /unknown format version/.test(error.message)) {
      throw new CliError(`${error.message}; for base64 ciphertext from a WorkOS SDK, add --format workos`);
    }
    throw error;
  }
}

function utf8Text(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('the plaintext is not UTF-8 text, so --json cannot show it; write it to a file with --output');
  }
}
