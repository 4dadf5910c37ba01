import { randomBytes } from 'node:crypto';
import { openSealedKey, type SecretKey, sealKey, XAES_NONCE_LENGTH, XaesKey } from '@coffer/core';
import type { RootKeyProvider } from './root-key-provider.js';

/**
 * A root key held in this process's memory, read from a file or an environment variable. It
 * wraps KEKs with XAES-256-GCM and random 24-byte nonces. Meant for development and single
 * machines: anyone who can read the key file can unwrap every KEK.
 */
export class LocalRootKeyProvider implements RootKeyProvider {
  readonly name = 'local';
  readonly #key: XaesKey;

  /** Takes the 32-byte root key and zeroes the given copy once the cipher is set up. */
  constructor(rootKey: SecretKey) {
    this.#key = new XaesKey(rootKey.bytes());
    rootKey.destroy();
  }

  async wrap(material: Buffer, aad: Buffer): Promise<Buffer> {
    return sealKey(this.#key, randomBytes(XAES_NONCE_LENGTH), material, aad);
  }

  async unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer> {
    return openSealedKey(this.#key, wrapped, aad);
  }

  async close(): Promise<void> {}
}
