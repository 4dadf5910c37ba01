import { createHash, hkdfSync } from 'node:crypto';
import { FormatError } from './errors.js';
import { KEY_LENGTH } from './secret-key.js';
import type { StreamHeader } from './stream-header.js';

const STREAM_KEY_LABEL = Buffer.from('coffer stream v1', 'utf8');

/**
 * Derives the AES-256-GCM key of one stream: HKDF-SHA256 with the data key as input key
 * material, the header's salt as salt, and as info the label `coffer stream v1`, SHA-256 of the
 * whole header and SHA-256 of the associated data. Because every header byte and the associated
 * data feed the key, a changed header or different associated data yields another key, and the
 * first segment fails to authenticate. A string `aad` is encoded as UTF-8; empty and absent are
 * the same. Raises `FormatError` (`invalid_key`) when `dataKey` is not 32 bytes.
 *
 * The caller owns the returned buffer and should zero it when the stream ends.
 *
 * @example
 * const streamKey = deriveStreamKey(dataKey, parseStreamHeader(bytes), 'invoice-7');
 */
export function deriveStreamKey(dataKey: Uint8Array, header: StreamHeader, aad?: string | Uint8Array): Buffer {
  if (dataKey.length !== KEY_LENGTH) {
    throw new FormatError('invalid_key', `a data key must be ${KEY_LENGTH} bytes, got ${dataKey.length}`);
  }

  // Node's hkdfSync takes at most 1024 bytes of info and a header can be longer, so the header
  // and the associated data enter as fixed-length digests, which also keeps them unambiguous.
  const info = Buffer.concat([STREAM_KEY_LABEL, sha256(header.bytes), sha256(aadBytes(aad))]);
  return Buffer.from(hkdfSync('sha256', dataKey, header.salt, info, KEY_LENGTH));
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

function aadBytes(aad: string | Uint8Array | undefined): Uint8Array {
  if (aad === undefined) {
    return Buffer.alloc(0);
  }
  return typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad;
}
