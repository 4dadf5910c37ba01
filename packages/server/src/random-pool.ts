import { randomFillSync } from 'node:crypto';

/** Size of each refill of the pool, in bytes. */
const POOL_SIZE = 16 * 1024;

/**
 * Hands out bytes from the CSPRNG in slices of one large buffer, because one `randomFillSync`
 * of 16 KiB costs far less than hundreds of small calls on the hot path. Every slice is copied
 * out and its region of the pool zeroed, so key bytes do not linger in the pool.
 *
 * @example
 * const pool = new RandomPool();
 * const nonce = pool.take(24);
 */
export class RandomPool {
  readonly #pool = Buffer.allocUnsafeSlow(POOL_SIZE);
  #offset = POOL_SIZE;

  /** Returns `length` fresh random bytes in a new buffer. */
  take(length: number): Buffer {
    if (length > POOL_SIZE) {
      return randomFillSync(Buffer.alloc(length));
    }
    if (this.#offset + length > POOL_SIZE) {
      randomFillSync(this.#pool);
      this.#offset = 0;
    }
    const out = Buffer.allocUnsafe(length);
    this.#pool.copy(out, 0, this.#offset, this.#offset + length);
    this.#pool.fill(0, this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  /** Returns a random version 4 UUID as 16 bytes. */
  takeUuidBytes(): Buffer {
    const bytes = this.take(16);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    return bytes;
  }
}

/** The process-wide pool. */
export const randomPool = new RandomPool();
