import * as crypto from 'node:crypto';

/**
 * Computes SHA-256 in one call. Node.js 20.12 added the one-shot `crypto.hash`, which skips
 * creating a Hash object; older Node.js 20 releases fall back to `createHash`.
 *
 * @example
 * sha256(Buffer.from('abc')).toString('hex'); // 'ba7816bf…'
 */
export const sha256: (data: Uint8Array | string) => Buffer =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();
