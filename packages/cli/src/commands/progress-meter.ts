import { Transform, type TransformCallback } from 'node:stream';

/**
 * Inputs larger than this get a progress line when stderr is a terminal: 8 MiB.
 *
 * @example
 * const show = process.stderr.isTTY === true && size > PROGRESS_THRESHOLD_BYTES;
 */
export const PROGRESS_THRESHOLD_BYTES = 8 * 1024 * 1024;

const REDRAW_INTERVAL_MS = 200;

/**
 * Settings of a `ProgressMeter`.
 *
 * @example
 * new ProgressMeter({ label: 'decrypting', totalBytes: undefined, output: process.stderr, thresholdBytes: 0 });
 */
export interface ProgressMeterOptions {
  /** Word shown before the numbers, such as `encrypting`. */
  label: string;
  /** Total input bytes when known; adds a percentage. */
  totalBytes: number | undefined;
  /** Stream to draw on, stderr in the CLI; undefined only counts bytes. */
  output: NodeJS.WritableStream | undefined;
  /** Bytes that must pass before the first line is drawn. */
  thresholdBytes: number;
}

/**
 * A pass-through stream that counts bytes and redraws one status line at most five times a
 * second: bytes so far, the percentage when the total is known, and the average rate, such as
 * `encrypting 120.0 MiB / 480.0 MiB  25%  95.3 MiB/s`. Call `finish()` to draw the last line
 * and end it with a newline.
 *
 * @example
 * const output = process.stderr;
 * const meter = new ProgressMeter({ label: 'encrypting', totalBytes: size, output, thresholdBytes: 0 });
 * await pipeline(input, meter, encryptor, output);
 * meter.finish();
 */
export class ProgressMeter extends Transform {
  readonly #options: ProgressMeterOptions;
  readonly #started = performance.now();
  #bytes = 0;
  #lastDrawn = Number.NEGATIVE_INFINITY;
  #finished = false;

  constructor(options: ProgressMeterOptions) {
    super();
    this.#options = options;
  }

  /** Bytes that have passed so far. */
  get bytes(): number {
    return this.#bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#bytes += chunk.length;
    const now = performance.now();
    const due = now - this.#lastDrawn >= REDRAW_INTERVAL_MS;
    if (this.#options.output !== undefined && this.#bytes >= this.#options.thresholdBytes && due) {
      this.#lastDrawn = now;
      this.#draw(now);
    }
    callback(null, chunk);
  }

  /**
   * Draws the final state and moves to a new line, once. Does nothing when there is no output
   * stream or fewer than `thresholdBytes` bytes have passed.
   */
  finish(): void {
    if (this.#finished || this.#options.output === undefined || this.#bytes < this.#options.thresholdBytes) {
      return;
    }
    this.#finished = true;
    this.#draw(performance.now());
    this.#options.output.write('\n');
  }

  #draw(now: number): void {
    const { label, totalBytes, output } = this.#options;
    const seconds = Math.max((now - this.#started) / 1000, 0.001);
    const parts = [`${label} ${formatBytes(this.#bytes)}`];
    if (totalBytes !== undefined && totalBytes > 0) {
      parts[0] += ` / ${formatBytes(totalBytes)}`;
      parts.push(`${Math.min(100, Math.floor((this.#bytes / totalBytes) * 100))}%`);
    }
    parts.push(`${formatBytes(this.#bytes / seconds)}/s`);
    // \r returns to the line start and ESC[K clears what a longer earlier line left behind.
    output?.write(`\r${parts.join('  ')}\u001b[K`);
  }
}

/**
 * Formats a byte count with binary units, such as `1.5 MiB`.
 *
 * @example
 * formatBytes(1536); // '1.5 KiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
