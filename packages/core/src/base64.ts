import { FormatError } from './errors.js';

const CANONICAL_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 with `=` padding and rejects anything else: other alphabets, missing
 * padding, white space, and non-zero bits after the last character, which Buffer.from would
 * silently ignore.
 *
 * @example
 * decodeBase64Strict('aGk=', 'keys'); // <Buffer 68 69>
 */
export function decodeBase64Strict(text: string, field: string): Buffer {
  // Buffer's encoder writes only canonical standard base64, so a round trip that gives the input
  // back proves it canonical. The pattern below only picks the error message.
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') === text) {
    return bytes;
  }
  if (!CANONICAL_BASE64.test(text)) {
    throw new FormatError('invalid_base64', `${field} is not valid standard base64 with padding`);
  }
  throw new FormatError('invalid_base64', `${field} is not canonical base64: its last character has extra bits set`);
}
