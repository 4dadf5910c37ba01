import { stat } from 'node:fs/promises';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { openInput, openOutput } from './input-output.js';
import { PROGRESS_THRESHOLD_BYTES, ProgressMeter } from './progress-meter.js';

/**
 * Input, output and progress settings of `transformFile`.
 *
 * @example
 * const options: TransformFileOptions = {
 *   inputPath: 'a.bin', outputPath: undefined, mode: 0o600, progress: false, label: 'decrypting',
 * };
 */
export interface TransformFileOptions {
  /** Input file; stdin when undefined or `-`. */
  inputPath: string | undefined;
  /** Output file; stdout when undefined or `-`. */
  outputPath: string | undefined;
  /** File mode of a new output file, before the umask. */
  mode: number;
  /** `--progress` (true), `--no-progress` (false) or neither (undefined: only on a terminal, for large inputs). */
  progress: boolean | undefined;
  /** Word on the progress line, such as `decrypting`. */
  label: string;
}

/**
 * Byte counts of a finished `transformFile`.
 *
 * @example
 * const { inputBytes, outputBytes } = await transformFile(() => client.decryptStream(), options);
 */
export interface TransformFileResult {
  inputBytes: number;
  /** Bytes written, when the output is a file. */
  outputBytes: number | undefined;
}

/**
 * Streams input through the Transform that `createTransform` returns into the output, in
 * constant memory. `createTransform` runs after the input has been opened, so a missing input
 * file fails before it contacts the server. An output file is
 * written under a temporary name and renamed into place only when every byte has passed, so a
 * failure leaves no output file and an existing file untouched. Output on stdout may be partial
 * when it fails.
 *
 * @example
 * await transformFile(() => client.encryptStream(context), {
 *   inputPath: 'a.pdf', outputPath: 'a.pdf.coffer', mode: 0o666, progress: undefined, label: 'encrypting',
 * });
 */
export async function transformFile(
  createTransform: () => Transform | Promise<Transform>,
  options: TransformFileOptions,
): Promise<TransformFileResult> {
  const input = await openInput(options.inputPath);
  const transform = await createTransform();
  const meter = new ProgressMeter({
    label: options.label,
    totalBytes: input.size,
    output: showProgress(options.progress, input.size) ? process.stderr : undefined,
    thresholdBytes: options.progress === true ? 0 : PROGRESS_THRESHOLD_BYTES,
  });
  const output = await openOutput(options.outputPath, options.mode);

  try {
    // stdout must stay open for whatever the command prints after the data.
    await pipeline(input.stream, meter, transform, output.stream, { end: output.stream !== process.stdout });
    await output.commit();
  } finally {
    meter.finish();
    await output.discard();
  }

  const toFile = options.outputPath !== undefined && options.outputPath !== '-';
  return { inputBytes: meter.bytes, outputBytes: toFile ? (await stat(options.outputPath as string)).size : undefined };
}

function showProgress(flag: boolean | undefined, size: number | undefined): boolean {
  if (flag !== undefined) {
    return flag;
  }
  return process.stderr.isTTY === true && (size === undefined || size > PROGRESS_THRESHOLD_BYTES);
}
