import { FormatError } from './errors.js';

/** Length in bytes of every AES-256 key that Coffer handles. */
export const KEY_LENGTH = 32;

/**
 * A 256-bit key held in a Buffer that this object owns. The bytes are never turned into a string,
 * and `destroy()` zeroes them; any use after that throws.
 *
 * @example
 * const key = SecretKey.from(randomBytes(32));
 * try { useKey(key.bytes()); } finally { key.destroy(); }
 */
export class SecretKey {
  #material: Buffer | undefined;

  private constructor(material: Buffer) {
    this.#material = material;
  }

  /** Copies `bytes` into a new key. Throws `FormatError` unless it is exactly 32 bytes. */
  static from(bytes: Uint8Array): SecretKey {
    if (bytes.length !== KEY_LENGTH) {
      throw new FormatError('invalid_key', `a key must be ${KEY_LENGTH} bytes, got ${bytes.length}`);
    }
    return new SecretKey(Buffer.from(bytes));
  }

  /** Takes ownership of `bytes` without copying; the caller must not keep using the buffer. */
  static adopt(bytes: Buffer): SecretKey {
    if (bytes.length !== KEY_LENGTH) {
      throw new FormatError('invalid_key', `a key must be ${KEY_LENGTH} bytes, got ${bytes.length}`);
    }
    return new SecretKey(bytes);
  }

  /** Returns the key bytes. The buffer is shared with this object and zeroed by `destroy()`. */
  bytes(): Buffer {
    if (this.#material === undefined) {
      throw new Error('the key was destroyed and cannot be used');
    }
    return this.#material;
  }

  get destroyed(): boolean {
    return this.#material === undefined;
  }

  /** Zeroes the key bytes. Safe to call more than once. */
  destroy(): void {
    this.#material?.fill(0);
    this.#material = undefined;
  }

  /** Keeps key bytes out of `console.log`, `util.inspect` and JSON. */
  toJSON(): string {
    return '[SecretKey]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[SecretKey]';
  }
}
