import { Command } from 'commander';
import {
  type ContextPairs,
  clientHelp,
  connect,
  requireContext,
  withConnectionOptions,
  withContextOption,
} from './connection-options.js';
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

interface EncryptFlags extends CryptFlags {
  context: ContextPairs;
}

/**
 * `coffer encrypt [FILE]`: encrypts a file or stdin under a new data key for the given context.
 *
 * @example
 * program.addCommand(encryptCommand());
 */
export function encryptCommand(): Command {
  const command = new Command('encrypt')
    .description('encrypt a file or stdin locally under a new data key for a key context')
    .argument('[file]', 'file to encrypt; "-" or absent reads stdin');
  withContextOption(command, 'key context pair, such as organization_id=org_123 (at least one)');
  withCryptOptions(command, 'ciphertext');
  withConnectionOptions(command)
    .addHelpText(
      'after',
      clientHelp(
        [
          'coffer encrypt report.pdf --context tenant=t1 -o report.pdf.coffer',
          'tar c data | coffer encrypt --context tenant=t1 --aad backup-2025 > data.tar.coffer',
          'printf %s "card 4242" | coffer encrypt --context tenant=t1 --format workos',
        ],
        'With -o, the output file appears only when encryption has succeeded.',
      ),
    )
    .action(async (file: string | undefined, flags: EncryptFlags) => {
      await runEncrypt(file, flags);
    });
  return command;
}

async function runEncrypt(file: string | undefined, flags: EncryptFlags): Promise<void> {
  const context = requireContext(flags.context, 'encrypt');
  checkJsonTarget(flags);
  const client = connect(flags);

  if (flags.format === 'workos') {
    const plaintext = await readAllInput(file, MAX_WORKOS_FORMAT_BYTES, 'input for --format workos');
    const ciphertext = await client.encrypt(plaintext, context, flags.aad);
    if (flags.json === true && !writesToFile(flags)) {
      printJson({ format: 'workos', ciphertext });
      return;
    }
    const bytes = Buffer.from(`${ciphertext}\n`, 'utf8');
    await writeWhole(flags, bytes, 0o666);
    if (flags.json === true) {
      printSummary(flags, plaintext.length, bytes.length);
    }
    return;
  }

  const result = await transformFile(() => client.encryptStream(context, { aad: flags.aad }), {
    inputPath: file,
    outputPath: flags.output,
    mode: 0o666,
    progress: flags.progress,
    label: 'encrypting',
  });
  if (flags.json === true) {
    printSummary(flags, result.inputBytes, result.outputBytes);
  }
}
