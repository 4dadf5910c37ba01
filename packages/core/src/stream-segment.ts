import { createDecipheriv } from 'node:crypto';
import { GCM_NONCE_LENGTH, GCM_TAG_LENGTH, type GcmSealed, gcmEncrypt } from './aes-gcm.js';
import { DecryptionError } from './errors.js';
import { STREAM_NONCE_PREFIX_LENGTH } from './stream-header.js';

/**
 * Most segments one stream may have: 2^32 - 1, so indices run from 0 to 2^32 - 2 and the 32-bit
 * counter in the nonce never wraps. At the default 64 KiB segment size that is about 256 TiB.
 */
export const MAX_STREAM_SEGMENTS = 2 ** 32 - 1;

/** Length of the tag that follows each segment's ciphertext in a stream. */
export const STREAM_SEGMENT_TAG_LENGTH = GCM_TAG_LENGTH;

/**
 * Builds the 12-byte nonce of one segment: nonce prefix (7) | segment index (4, big-endian) |
 * last-segment flag (1: 0x01 on the final segment, 0x00 on every other). Raises `RangeError` for
 * a prefix of the wrong length or an index outside 0 to `MAX_STREAM_SEGMENTS - 1`.
 *
 * @example
 * streamSegmentNonce(Buffer.alloc(7), 2, true); // <Buffer 00 00 00 00 00 00 00 00 00 00 02 01>
 */
export function streamSegmentNonce(noncePrefix: Uint8Array, index: number, isLast: boolean): Buffer {
  if (noncePrefix.length !== STREAM_NONCE_PREFIX_LENGTH) {
    throw new RangeError(`a nonce prefix must be ${STREAM_NONCE_PREFIX_LENGTH} bytes, got ${noncePrefix.length}`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= MAX_STREAM_SEGMENTS) {
    throw new RangeError(`a segment index must be an integer from 0 to ${MAX_STREAM_SEGMENTS - 1}, got ${index}`);
  }

  const nonce = Buffer.alloc(GCM_NONCE_LENGTH);
  nonce.set(noncePrefix, 0);
  nonce.writeUInt32BE(index, STREAM_NONCE_PREFIX_LENGTH);
  nonce[GCM_NONCE_LENGTH - 1] = isLast ? 1 : 0;
  return nonce;
}

/**
 * Encrypts one segment under the stream key. In the stream the segment is the returned
 * ciphertext followed by its tag. The two come back apart so that a writer can send both without
 * copying the ciphertext. Raises `RangeError` as `streamSegmentNonce` does.
 *
 * @example
 * const { ciphertext, tag } = sealStreamSegment(streamKey, header.noncePrefix, 0, true, plaintext);
 */
export function sealStreamSegment(
  streamKey: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  isLast: boolean,
  plaintext: Uint8Array,
): GcmSealed {
  return gcmEncrypt(streamKey, streamSegmentNonce(noncePrefix, index, isLast), plaintext);
}

/**
 * Decrypts one segment, given as it appears in the stream (ciphertext followed by the 16-byte
 * tag). Returns the plaintext only after the tag has been verified. Raises `DecryptionError` for
 * any mismatch, including a segment shorter than a tag, and `RangeError` as `streamSegmentNonce`
 * does.
 *
 * @example
 * const plaintext = openStreamSegment(streamKey, header.noncePrefix, 0, true, segment);
 */
export function openStreamSegment(
  streamKey: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  isLast: boolean,
  segment: Uint8Array,
): Buffer {
  const plaintext = openStreamSegmentParts(streamKey, noncePrefix, index, isLast, [segment]);
  return plaintext.length === 1 ? (plaintext[0] as Buffer) : Buffer.concat(plaintext);
}

/**
 * Decrypts one segment that arrived split into parts, as `openStreamSegment` does, without first
 * copying the parts into one buffer. The tag may be split across parts too. Returns the plaintext
 * as one buffer per part that held ciphertext (one empty buffer for an empty segment), only after
 * the tag has been verified.
 *
 * @example
 * for (const piece of openStreamSegmentParts(streamKey, prefix, 3, false, [head, tail])) out.push(piece);
 */
export function openStreamSegmentParts(
  streamKey: Uint8Array,
  noncePrefix: Uint8Array,
  index: number,
  isLast: boolean,
  parts: readonly Uint8Array[],
): Buffer[] {
  const nonce = streamSegmentNonce(noncePrefix, index, isLast);
  const ciphertextLength = parts.reduce((sum, part) => sum + part.length, 0) - GCM_TAG_LENGTH;
  if (ciphertextLength < 0) {
    throw new DecryptionError();
  }

  try {
    const decipher = createDecipheriv('aes-256-gcm', streamKey, nonce, { authTagLength: GCM_TAG_LENGTH });
    const tag = Buffer.alloc(GCM_TAG_LENGTH);
    const plaintext: Buffer[] = [];
    let offset = 0;
    for (const part of parts) {
      const ciphertextInPart = Math.max(0, Math.min(part.length, ciphertextLength - offset));
      if (ciphertextInPart > 0) {
        plaintext.push(decipher.update(part.subarray(0, ciphertextInPart)));
      }
      if (ciphertextInPart < part.length) {
        tag.set(part.subarray(ciphertextInPart), offset + ciphertextInPart - ciphertextLength);
      }
      offset += part.length;
    }
    // GCM accepts the tag any time before final(), which is where it is checked.
    decipher.setAuthTag(tag);
    decipher.final();
    return plaintext.length === 0 ? [Buffer.alloc(0)] : plaintext;
  } catch {
    throw new DecryptionError();
  }
}
