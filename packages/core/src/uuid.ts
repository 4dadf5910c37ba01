const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Length in bytes of the binary form of a UUID. */
export const UUID_LENGTH = 16;

/**
 * Formats 16 bytes as a lowercase hyphenated UUID string.
 *
 * @example
 * bytesToUuid(Buffer.alloc(16)); // '00000000-0000-0000-0000-000000000000'
 */
export function bytesToUuid(bytes: Uint8Array): string {
  if (bytes.length !== UUID_LENGTH) {
    throw new RangeError(`a UUID is ${UUID_LENGTH} bytes, got ${bytes.length}`);
  }
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Parses a lowercase hyphenated UUID string into 16 bytes; returns undefined for anything else. */
export function uuidToBytes(text: string): Buffer | undefined {
  if (!UUID_PATTERN.test(text)) {
    return undefined;
  }
  return Buffer.from(text.replaceAll('-', ''), 'hex');
}
