import { FormatError } from './errors.js';

/** Most bytes an unsigned LEB128 encoding of a 32-bit integer can take. */
const MAX_LEB128_BYTES = 5;

/**
 * Encodes an unsigned 32-bit integer as minimal unsigned LEB128: 7 bits a byte, low group first,
 * 0x80 marking that another byte follows.
 *
 * @example
 * encodeLeb128(300); // <Buffer ac 02>
 */
export function encodeLeb128(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`LEB128 value must be an integer from 0 to 2^32 - 1, got ${value}`);
  }
  const out: number[] = [];
  let rest = value;
  do {
    const group = rest & 0x7f;
    rest = Math.floor(rest / 128);
    out.push(rest > 0 ? group | 0x80 : group);
  } while (rest > 0);
  return Buffer.from(out);
}

/** A decoded integer and the offset of the first byte after its encoding. */
export interface Leb128Read {
  value: number;
  next: number;
}

/**
 * Decodes a minimal unsigned LEB128 integer of at most 5 bytes starting at `offset`. Rejects
 * truncated, overlong and non-minimal encodings and values above 2^32 - 1.
 */
export function decodeLeb128(bytes: Uint8Array, offset: number): Leb128Read {
  let value = 0;
  for (let index = 0; index < MAX_LEB128_BYTES; index++) {
    const byte = bytes[offset + index];
    if (byte === undefined) {
      throw new FormatError('invalid_ciphertext', 'ciphertext is truncated inside its key length field');
    }
    value += (byte & 0x7f) * 2 ** (7 * index);
    if ((byte & 0x80) === 0) {
      if (byte === 0 && index > 0) {
        throw new FormatError('invalid_ciphertext', 'ciphertext key length field is not minimally encoded');
      }
      if (value > 0xffffffff) {
        throw new FormatError('invalid_ciphertext', 'ciphertext key length field exceeds 32 bits');
      }
      return { value, next: offset + index + 1 };
    }
  }
  throw new FormatError('invalid_ciphertext', 'ciphertext key length field is longer than 5 bytes');
}
