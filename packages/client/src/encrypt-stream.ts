import { randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import {
  buildStreamHeader,
  DEFAULT_STREAM_SEGMENT_SIZE,
  deriveStreamKey,
  MAX_STREAM_SEGMENTS,
  STREAM_NONCE_PREFIX_LENGTH,
  STREAM_SALT_LENGTH,
  type StreamHeader,
  sealStreamSegment,
} from '@coffer/core';
import { ChunkQueue } from './chunk-queue.js';

/**
 * Options of `createEncryptStream`.
 *
 * @example
 * const options: EncryptStreamOptions = { dataKey, encryptedKeys, segmentSize: 64 * 1024 };
 */
export interface EncryptStreamOptions {
  /** The 32-byte data key. The stream derives its own key from it and does not zero this buffer. */
  dataKey: Uint8Array;
  /** The `encrypted_keys` blob returned with the data key, written into the header (1 to 65535 bytes). */
  encryptedKeys: Uint8Array;
  /** Associated data bound to the whole stream; a string is UTF-8, and empty is the same as absent. */
  aad?: string | Uint8Array;
  /** Plaintext bytes per segment, 1 to 16 MiB; 64 KiB unless given. */
  segmentSize?: number;
}

/**
 * Creates a Transform that encrypts whatever is written to it into the Coffer streaming format:
 * a header carrying `encryptedKeys`, then AES-256-GCM segments under a key derived for this
 * stream from `dataKey` and a fresh random salt. It keeps at most one segment of plaintext
 * beyond the chunk being processed. Bad options throw at once: `FormatError` (`invalid_key`)
 * for a data key that is not 32 bytes, `RangeError` for the other options.
 *
 * @example
 * await pipeline(createReadStream('report.pdf'), createEncryptStream({ dataKey, encryptedKeys }),
 *   createWriteStream('report.pdf.coffer'));
 */
export function createEncryptStream(options: EncryptStreamOptions): Transform {
  return new EncryptStream(options);
}

class EncryptStream extends Transform {
  readonly #header: StreamHeader;
  readonly #streamKey: Buffer;
  readonly #pending = new ChunkQueue();
  #headerSent = false;
  #index = 0;

  constructor(options: EncryptStreamOptions) {
    super();
    this.#header = buildStreamHeader({
      segmentSize: options.segmentSize ?? DEFAULT_STREAM_SEGMENT_SIZE,
      salt: randomBytes(STREAM_SALT_LENGTH),
      noncePrefix: randomBytes(STREAM_NONCE_PREFIX_LENGTH),
      encryptedKeys: Buffer.from(options.encryptedKeys),
    });
    this.#streamKey = deriveStreamKey(options.dataKey, this.#header, options.aad);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#sendHeader();
      this.#pending.push(chunk);
      // A full segment is sealed only once a byte past it has arrived, because the final
      // segment carries a different nonce flag and the end of the input is not known yet.
      const size = this.#header.segmentSize;
      while (this.#pending.length > size) {
        this.#seal(this.#pending.take(size), false);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#sendHeader();
      this.#seal(this.#pending.takeAll(), true);
      this.#streamKey.fill(0);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#streamKey.fill(0);
    callback(error);
  }

  #sendHeader(): void {
    if (!this.#headerSent) {
      this.#headerSent = true;
      this.push(this.#header.bytes);
    }
  }

  #seal(plaintext: Buffer, isLast: boolean): void {
    // A non-final segment at the last index would leave no index for the final one.
    // NOTE: no test reaches this branch, since that takes 2^32 - 1 segments; the index limit it
    // enforces is tested in core.
    if (this.#index >= MAX_STREAM_SEGMENTS - (isLast ? 0 : 1)) {
      throw new RangeError(
        `input too large: a stream has at most ${MAX_STREAM_SEGMENTS} segments of ${this.#header.segmentSize} bytes; use a larger segmentSize`,
      );
    }
    const { ciphertext, tag } = sealStreamSegment(
      this.#streamKey,
      this.#header.noncePrefix,
      this.#index,
      isLast,
      plaintext,
    );
    this.#index++;
    this.push(ciphertext);
    this.push(tag);
  }
}
