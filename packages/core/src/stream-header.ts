import { FormatError } from './errors.js';

/** First byte of every stream in the current streaming format. */
export const STREAM_FORMAT_VERSION = 1;

/**
 * Plaintext bytes in each segment but the last, unless the writer picks another size. At 64 KiB
 * the per-segment overhead (a 16-byte tag, 0.02% of the data, and one cipher set-up) is small next
 * to the cost of encrypting the data, and a reader buffers little. The size also equals the
 * default chunk size of `fs.createReadStream`, so file chunks map onto segments without copying.
 */
export const DEFAULT_STREAM_SEGMENT_SIZE = 64 * 1024;

/**
 * Largest segment size a stream may declare (16 MiB). A reader buffers one whole segment before
 * it can authenticate it, and it reads the size from the header before anything is verified, so
 * the cap bounds what a forged header can make a reader allocate.
 */
export const MAX_STREAM_SEGMENT_SIZE = 16 * 1024 * 1024;

/** Length of the random salt from which each stream's key is derived. */
export const STREAM_SALT_LENGTH = 32;

/** Length of the random prefix of every segment nonce in a stream. */
export const STREAM_NONCE_PREFIX_LENGTH = 7;

/** Largest `encrypted_keys` blob a header can carry: its length field is 16 bits. */
export const MAX_STREAM_ENCRYPTED_KEYS_LENGTH = 0xffff;

/** Bytes of the header before the `encrypted_keys` blob; they give the length of the rest. */
export const STREAM_HEADER_FIXED_LENGTH = 1 + 4 + STREAM_SALT_LENGTH + STREAM_NONCE_PREFIX_LENGTH + 2;

/** The fields of a stream header. */
export interface StreamHeaderFields {
  /** Plaintext bytes in every segment but the last, 1 to `MAX_STREAM_SEGMENT_SIZE`. */
  segmentSize: number;
  /** Random HKDF salt, `STREAM_SALT_LENGTH` bytes. */
  salt: Buffer;
  /** Random first bytes of each segment nonce, `STREAM_NONCE_PREFIX_LENGTH` bytes. */
  noncePrefix: Buffer;
  /** The `encrypted_keys` blob the data key is unwrapped from, 1 to 65535 bytes. */
  encryptedKeys: Buffer;
}

/** A parsed header together with its exact encoding, which the stream key is bound to. */
export interface StreamHeader extends StreamHeaderFields {
  /** The header as it was written, `STREAM_HEADER_FIXED_LENGTH + encryptedKeys.length` bytes. */
  bytes: Buffer;
}

/**
 * Encodes a stream header (version 1):
 *
 *   version (1) | segment size (4, big-endian) | salt (32) | nonce prefix (7)
 *   | encrypted_keys length (2, big-endian) | encrypted_keys
 *
 * Raises `RangeError` for a field outside its limits. The caller supplies the salt and nonce
 * prefix from a cryptographic random source, fresh for each stream.
 *
 * @example
 * const header = buildStreamHeader({ segmentSize: 65536, salt: randomBytes(32), noncePrefix: randomBytes(7), encryptedKeys });
 */
export function buildStreamHeader(fields: StreamHeaderFields): StreamHeader {
  checkFields(fields);

  const bytes = Buffer.alloc(STREAM_HEADER_FIXED_LENGTH + fields.encryptedKeys.length);
  let offset = bytes.writeUInt8(STREAM_FORMAT_VERSION, 0);
  offset = bytes.writeUInt32BE(fields.segmentSize, offset);
  offset += fields.salt.copy(bytes, offset);
  offset += fields.noncePrefix.copy(bytes, offset);
  offset = bytes.writeUInt16BE(fields.encryptedKeys.length, offset);
  fields.encryptedKeys.copy(bytes, offset);
  return parseStreamHeader(bytes);
}

/**
 * Reads the fixed part of a header and returns the length of the whole header. A streaming
 * reader calls it once it has `STREAM_HEADER_FIXED_LENGTH` bytes, then waits for the rest.
 * Raises `FormatError` (`invalid_ciphertext`) for an unknown version, a segment size or blob
 * length outside the format's limits, or fewer bytes than the fixed part.
 *
 * @example
 * if (buffered.length >= STREAM_HEADER_FIXED_LENGTH) headerLength = streamHeaderLength(buffered);
 */
export function streamHeaderLength(bytes: Uint8Array): number {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length === 0) {
    throw invalid('stream is empty: it has no header');
  }
  if (view[0] !== STREAM_FORMAT_VERSION) {
    throw invalid(
      `stream has unknown format version ${view[0]}, expected ${STREAM_FORMAT_VERSION}; the input is not a Coffer stream, or a newer reader is needed`,
    );
  }
  if (view.length < STREAM_HEADER_FIXED_LENGTH) {
    throw invalid(
      `stream is truncated: ${view.length} bytes is shorter than the ${STREAM_HEADER_FIXED_LENGTH}-byte fixed header`,
    );
  }

  const segmentSize = view.readUInt32BE(1);
  if (segmentSize === 0 || segmentSize > MAX_STREAM_SEGMENT_SIZE) {
    throw invalid(`stream header has segment size ${segmentSize}, outside 1 to ${MAX_STREAM_SEGMENT_SIZE}`);
  }
  const keysLength = view.readUInt16BE(STREAM_HEADER_FIXED_LENGTH - 2);
  if (keysLength === 0) {
    throw invalid('stream header has an empty encrypted_keys field');
  }
  return STREAM_HEADER_FIXED_LENGTH + keysLength;
}

/**
 * Parses a stream header from the start of `bytes`; bytes after the header are ignored. Raises
 * `FormatError` (`invalid_ciphertext`) as `streamHeaderLength` does, and when `bytes` ends before
 * the `encrypted_keys` blob does. The returned buffers are views into `bytes`.
 *
 * @example
 * const header = parseStreamHeader(bytes);
 * const firstSegment = bytes.subarray(header.bytes.length);
 */
export function parseStreamHeader(bytes: Buffer): StreamHeader {
  const length = streamHeaderLength(bytes);
  if (bytes.length < length) {
    throw invalid(`stream is truncated: its header needs ${length} bytes, got ${bytes.length}`);
  }

  const saltStart = 5;
  const prefixStart = saltStart + STREAM_SALT_LENGTH;
  return {
    segmentSize: bytes.readUInt32BE(1),
    salt: bytes.subarray(saltStart, prefixStart),
    noncePrefix: bytes.subarray(prefixStart, prefixStart + STREAM_NONCE_PREFIX_LENGTH),
    encryptedKeys: bytes.subarray(STREAM_HEADER_FIXED_LENGTH, length),
    bytes: bytes.subarray(0, length),
  };
}

function checkFields(fields: StreamHeaderFields): void {
  const { segmentSize, salt, noncePrefix, encryptedKeys } = fields;
  if (!Number.isInteger(segmentSize) || segmentSize < 1 || segmentSize > MAX_STREAM_SEGMENT_SIZE) {
    throw new RangeError(`segment size must be an integer from 1 to ${MAX_STREAM_SEGMENT_SIZE}, got ${segmentSize}`);
  }
  if (salt.length !== STREAM_SALT_LENGTH) {
    throw new RangeError(`a stream salt must be ${STREAM_SALT_LENGTH} bytes, got ${salt.length}`);
  }
  if (noncePrefix.length !== STREAM_NONCE_PREFIX_LENGTH) {
    throw new RangeError(`a nonce prefix must be ${STREAM_NONCE_PREFIX_LENGTH} bytes, got ${noncePrefix.length}`);
  }
  if (encryptedKeys.length === 0 || encryptedKeys.length > MAX_STREAM_ENCRYPTED_KEYS_LENGTH) {
    throw new RangeError(
      `encrypted_keys must be 1 to ${MAX_STREAM_ENCRYPTED_KEYS_LENGTH} bytes in a stream header, got ${encryptedKeys.length}`,
    );
  }
}

function invalid(message: string): FormatError {
  return new FormatError('invalid_ciphertext', message);
}
