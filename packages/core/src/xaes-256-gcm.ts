import { type Cipher, createCipheriv } from 'node:crypto';
import { GCM_NONCE_LENGTH, GCM_TAG_LENGTH, gcmDecrypt, gcmEncrypt } from './aes-gcm.js';
import { DecryptionError } from './errors.js';
import { KEY_LENGTH } from './secret-key.js';

/** XAES-256-GCM nonce length: 24 bytes, safe to pick at random for any number of messages. */
export const XAES_NONCE_LENGTH = 24;

const BLOCK = 16;
const DERIVATION_PREFIX_LENGTH = 4;

/**
 * A key for XAES-256-GCM (C2SP, https://c2sp.org/XAES-256-GCM): AES-256-GCM under a key derived
 * from the first 12 bytes of a 24-byte nonce with the NIST SP 800-108 counter-mode KDF over
 * AES-CMAC. Random 24-byte nonces make the per-key message limit of plain AES-GCM (2^32 random
 * nonces) irrelevant: the spec puts the safe limit far beyond 2^64 messages a key.
 *
 * The output of `seal` is the ciphertext followed by the 16-byte tag.
 *
 * @example
 * const kek = new XaesKey(randomBytes(32));
 * const nonce = randomBytes(24);
 * const sealed = kek.seal(nonce, dataKey, aad);
 * const opened = kek.open(nonce, sealed, aad);
 */
export class XaesKey {
  readonly #ecb: Cipher;
  readonly #k1: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== KEY_LENGTH) {
      throw new RangeError(`an XAES-256-GCM key must be ${KEY_LENGTH} bytes, got ${key.length}`);
    }
    // ECB without padding keeps no state between update() calls, so one cipher object serves
    // every derivation under this key.
    // NOTE: OpenSSL keeps its own copy of the key schedule, which JavaScript cannot zero.
    this.#ecb = createCipheriv('aes-256-ecb', key, null).setAutoPadding(false);
    this.#k1 = cmacSubkey(this.#ecb.update(Buffer.alloc(BLOCK)));
  }

  /** Encrypts `plaintext`; returns ciphertext || tag. */
  seal(nonce: Uint8Array, plaintext: Uint8Array, aad?: Uint8Array): Buffer {
    const derived = this.#derive(nonce);
    const { ciphertext, tag } = gcmEncrypt(derived, nonce.subarray(GCM_NONCE_LENGTH), plaintext, aad);
    derived.fill(0);
    return Buffer.concat([ciphertext, tag]);
  }

  /** Decrypts ciphertext || tag; raises `DecryptionError` on any mismatch. */
  open(nonce: Uint8Array, sealed: Uint8Array, aad?: Uint8Array): Buffer {
    if (sealed.length < GCM_TAG_LENGTH) {
      throw new DecryptionError();
    }
    const derived = this.#derive(nonce);
    try {
      const split = sealed.length - GCM_TAG_LENGTH;
      return gcmDecrypt(
        derived,
        nonce.subarray(GCM_NONCE_LENGTH),
        sealed.subarray(0, split),
        sealed.subarray(split),
        aad,
      );
    } finally {
      derived.fill(0);
    }
  }

  #derive(nonce: Uint8Array): Buffer {
    if (nonce.length !== XAES_NONCE_LENGTH) {
      throw new RangeError(`an XAES-256-GCM nonce must be ${XAES_NONCE_LENGTH} bytes, got ${nonce.length}`);
    }
    // Two CMAC blocks M1 = 00 01 'X' 00 || N[:12] and M2 = 00 02 'X' 00 || N[:12], each a single
    // complete block, so CMAC reduces to AES(M xor K1).
    const blocks = Buffer.alloc(2 * BLOCK);
    for (const [index, counter] of [1, 2].entries()) {
      const block = blocks.subarray(index * BLOCK, (index + 1) * BLOCK);
      block[1] = counter;
      block[2] = 0x58;
      block.set(nonce.subarray(0, GCM_NONCE_LENGTH), DERIVATION_PREFIX_LENGTH);
      for (let i = 0; i < BLOCK; i++) {
        block[i] = (block[i] as number) ^ (this.#k1[i] as number);
      }
    }
    return this.#ecb.update(blocks);
  }
}

/** Derives the CMAC subkey K1 from L = AES(0^128): L doubled in GF(2^128). */
function cmacSubkey(l: Buffer): Buffer {
  const k1 = Buffer.alloc(BLOCK);
  for (let i = 0; i < BLOCK; i++) {
    const carry = i + 1 < BLOCK ? (l[i + 1] as number) >> 7 : 0;
    k1[i] = (((l[i] as number) << 1) | carry) & 0xff;
  }
  if (((l[0] as number) & 0x80) !== 0) {
    k1[BLOCK - 1] = (k1[BLOCK - 1] as number) ^ 0x87;
  }
  return k1;
}
