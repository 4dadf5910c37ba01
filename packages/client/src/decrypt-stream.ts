import { Transform, type TransformCallback } from 'node:stream';
import {
  DecryptionError,
  deriveStreamKey,
  MAX_STREAM_SEGMENTS,
  openStreamSegmentParts,
  parseStreamHeader,
  STREAM_FORMAT_VERSION,
  STREAM_HEADER_FIXED_LENGTH,
  STREAM_SEGMENT_TAG_LENGTH,
  type StreamHeader,
  streamHeaderLength,
} from '@coffer/core';
import { ChunkQueue } from './chunk-queue.js';

/**
 * Options of `createDecryptStream`.
 *
 * @example
 * const options: DecryptStreamOptions = { resolveDataKey: (blob) => fetchDataKey(blob), aad: 'backup-2025' };
 */
export interface DecryptStreamOptions {
  /**
   * Returns the 32-byte data key for the `encrypted_keys` blob read from the stream header, for
   * example by calling the server's decrypt endpoint or a data-key cache. It is called once per
   * stream, and the stream does not zero the buffer it returns.
   */
  resolveDataKey: (encryptedKeys: Buffer) => Promise<Uint8Array>;
  /** Associated data the stream was encrypted with; a string is UTF-8, and empty is the same as absent. */
  aad?: string | Uint8Array;
}

/**
 * Creates a Transform that decrypts a stream written by `createEncryptStream`. It reads the
 * header, gets the data key from `resolveDataKey`, and then emits each segment's plaintext only
 * after that segment's tag has been verified. It buffers at most one segment beyond the chunk
 * being processed.
 *
 * The stream fails with `FormatError` (`invalid_ciphertext`) for a missing, truncated or
 * unknown-version header, and with `DecryptionError` for everything after the header: a wrong
 * key or associated data, tampered, reordered, duplicated or missing segments, appended bytes and
 * truncation. Errors from `resolveDataKey` pass through unchanged. Plaintext already emitted for
 * earlier segments is authentic, but a consumer must treat the output as complete only when the
 * stream ends without an error.
 *
 * @example
 * await pipeline(createReadStream('report.pdf.coffer'),
 *   createDecryptStream({ resolveDataKey: (keys) => fetchDataKey(keys) }), createWriteStream('report.pdf'));
 */
export function createDecryptStream(options: DecryptStreamOptions): Transform {
  if (typeof options.resolveDataKey !== 'function') {
    throw new TypeError('createDecryptStream needs a resolveDataKey function');
  }
  return new DecryptStream(options);
}

class DecryptStream extends Transform {
  readonly #options: DecryptStreamOptions;
  readonly #pending = new ChunkQueue();
  #header: StreamHeader | undefined;
  #streamKey: Buffer | undefined;
  #index = 0;

  constructor(options: DecryptStreamOptions) {
    super();
    this.#options = options;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#pending.push(chunk);
    if (this.#streamKey !== undefined) {
      this.#openAvailable(callback);
      return;
    }

    let header: StreamHeader | undefined;
    try {
      header = this.#readHeader();
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (header === undefined) {
      callback();
      return;
    }
    // The callback waits for the key, so no more input arrives while it is resolved.
    this.#resolveKey(header).then(
      () => this.#openAvailable(callback),
      (error: Error) => callback(error),
    );
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (this.#streamKey === undefined) {
        // _transform resolves the key as soon as the header is complete, so the header is
        // incomplete here, and parsing what arrived raises the FormatError that names the defect.
        parseStreamHeader(this.#pending.takeAll());
        throw new DecryptionError();
      }
      if (this.#pending.length < STREAM_SEGMENT_TAG_LENGTH) {
        throw new DecryptionError();
      }
      this.#open(this.#pending.takeParts(this.#pending.length), true);
      this.#zeroKey();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#zeroKey();
    callback(error);
  }

  #readHeader(): StreamHeader | undefined {
    const available = this.#pending.length;
    if (available < STREAM_HEADER_FIXED_LENGTH) {
      // Reject another format as soon as its first byte arrives instead of after 46 bytes.
      if (available > 0 && this.#pending.peek(1)[0] !== STREAM_FORMAT_VERSION) {
        streamHeaderLength(this.#pending.peek(1));
      }
      return undefined;
    }
    const length = streamHeaderLength(this.#pending.peek(STREAM_HEADER_FIXED_LENGTH));
    if (available < length) {
      return undefined;
    }
    // A copy, so the header does not keep a large input chunk alive.
    return parseStreamHeader(Buffer.from(this.#pending.take(length)));
  }

  async #resolveKey(header: StreamHeader): Promise<void> {
    const dataKey = await this.#options.resolveDataKey(Buffer.from(header.encryptedKeys));
    if (!(dataKey instanceof Uint8Array)) {
      throw new TypeError('resolveDataKey must resolve to a Buffer or Uint8Array holding the 32-byte data key');
    }
    this.#header = header;
    // A stream destroyed while the key was resolved would never zero a key derived now.
    if (!this.destroyed) {
      this.#streamKey = deriveStreamKey(dataKey, header, this.#options.aad);
    }
  }

  /** Opens every segment known not to be the last: one is last only once the input has ended. */
  #openAvailable(callback: TransformCallback): void {
    try {
      const sealedSize = (this.#header as StreamHeader).segmentSize + STREAM_SEGMENT_TAG_LENGTH;
      while (this.#pending.length > sealedSize && !this.destroyed) {
        this.#open(this.#pending.takeParts(sealedSize), false);
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  /** Opens one segment from the views that hold it, so a segment split across chunks is not copied. */
  #open(segment: Buffer[], isLast: boolean): void {
    if (this.#index >= MAX_STREAM_SEGMENTS - (isLast ? 0 : 1)) {
      throw new DecryptionError();
    }
    const prefix = (this.#header as StreamHeader).noncePrefix;
    const plaintext = openStreamSegmentParts(this.#streamKey as Buffer, prefix, this.#index, isLast, segment);
    this.#index++;
    for (const piece of plaintext) {
      if (piece.length > 0) {
        this.push(piece);
      }
    }
  }

  #zeroKey(): void {
    this.#streamKey?.fill(0);
    this.#streamKey = undefined;
  }
}
