import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { CliError, EXIT } from '../cli-error.js';

/**
 * A command's input: a file or stdin.
 *
 * @example
 * const { stream, size } = await openInput('report.pdf');
 */
export interface Input {
  stream: Readable;
  /** Size in bytes when known: for a regular file, not for stdin or a pipe. */
  size: number | undefined;
}

/**
 * A command's output: stdout, or a temporary file beside the output path that replaces
 * the output only on `commit()`, so that a failed run never leaves a partial output file.
 *
 * @example
 * const output = await openOutput('report.pdf', 0o600);
 */
export interface Output {
  stream: Writable;
  /** Renames the temporary file over the output path. Call after the stream has finished. */
  commit(): Promise<void>;
  /** Removes the temporary file. Safe to call more than once and after `commit()`. */
  discard(): Promise<void>;
}

/**
 * Opens a file for reading, or stdin when `path` is undefined or `-`. Raises a usage `CliError`
 * when stdin is a terminal, because a command waiting for typed input looks hung.
 *
 * @example
 * const input = await openInput(fileArgument);
 */
export async function openInput(path: string | undefined): Promise<Input> {
  if (path === undefined || path === '-') {
    if (process.stdin.isTTY === true) {
      throw new CliError('no input: give a FILE argument or pipe data to stdin', EXIT.usage);
    }
    return { stream: process.stdin, size: undefined };
  }
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  if (!info.isFile()) {
    throw new CliError(`cannot read ${path}: it is not a regular file`);
  }
  return { stream: createReadStream(path), size: info.size };
}

/**
 * Reads a whole file or stdin into memory. Raises `CliError` when the input is larger than
 * `maxBytes`, naming it by `label`.
 *
 * @example
 * const bytes = await readAllInput('secret.txt', 64 * 1024 * 1024, 'input');
 */
export async function readAllInput(path: string | undefined, maxBytes: number, label: string): Promise<Buffer> {
  const input = await openInput(path);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of input.stream as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      input.stream.destroy();
      throw new CliError(`${label} is larger than ${formatLimit(maxBytes)}`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Opens stdout, or a temporary file in the directory of `path` created with `mode` (which the
 * umask still narrows). While the temporary file exists, SIGINT and SIGTERM remove it before
 * the process exits.
 *
 * @example
 * const output = await openOutput(flags.output, 0o600);
 * try { await pipeline(source, output.stream); await output.commit(); } finally { await output.discard(); }
 */
export async function openOutput(path: string | undefined, mode: number): Promise<Output> {
  if (path === undefined || path === '-') {
    return { stream: process.stdout, commit: async () => undefined, discard: async () => undefined };
  }

  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const stream = createWriteStream(temporary, { flags: 'wx', mode });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error) => reject(new CliError(`cannot write ${path}: ${error.message}`)));
  });

  let pending = true;
  const removeOnSignal = (signal: NodeJS.Signals) => {
    removeQuietly(stream, temporary).finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', removeOnSignal);
  process.once('SIGTERM', removeOnSignal);
  const stopWatching = () => {
    pending = false;
    process.off('SIGINT', removeOnSignal);
    process.off('SIGTERM', removeOnSignal);
  };

  return {
    stream,
    async commit() {
      await rename(temporary, path);
      stopWatching();
    },
    async discard() {
      if (pending) {
        stopWatching();
        await removeQuietly(stream, temporary);
      }
    },
  };
}

async function removeQuietly(stream: WriteStream, path: string): Promise<void> {
  stream.destroy();
  await unlink(path).catch(() => undefined);
}

function formatLimit(bytes: number): string {
  return bytes % 1024 ** 2 === 0 ? `${bytes / 1024 ** 2} MiB` : `${bytes} bytes`;
}
