import { randomBytes } from 'node:crypto';
import { Readable, type Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, type DecryptStreamOptions } from '../src/decrypt-stream.js';
import { createEncryptStream, type EncryptStreamOptions } from '../src/encrypt-stream.js';

export const dataKey = randomBytes(32);
export const encryptedKeys = Buffer.from('encrypted_keys blob for tests', 'utf8');

/** Splits `bytes` into chunks of `chunkSize` bytes, the last one shorter. */
export function chunksOf(bytes: Buffer, chunkSize: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    chunks.push(bytes.subarray(offset, offset + chunkSize));
  }
  return chunks;
}

/** Writes `input` through `transform` in chunks of `chunkSize` and collects what comes out. */
export async function runThrough(transform: Transform, input: Buffer, chunkSize: number): Promise<Buffer> {
  const output: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      output.push(chunk);
      callback();
    },
  });
  await pipeline(Readable.from(chunksOf(input, chunkSize)), transform, sink);
  return Buffer.concat(output);
}

export function encrypt(
  plaintext: Buffer,
  options: Partial<EncryptStreamOptions> = {},
  chunkSize = 4099,
): Promise<Buffer> {
  return runThrough(createEncryptStream({ dataKey, encryptedKeys, ...options }), plaintext, chunkSize);
}

/** Resolves the test data key, and checks that the stream passed the expected blob. */
export async function resolveTestKey(keys: Buffer): Promise<Buffer> {
  if (!keys.equals(encryptedKeys)) {
    throw new Error('unexpected encrypted_keys');
  }
  return dataKey;
}

export function decrypt(
  ciphertext: Buffer,
  options: Partial<DecryptStreamOptions> = {},
  chunkSize = 4111,
): Promise<Buffer> {
  return runThrough(createDecryptStream({ resolveDataKey: resolveTestKey, ...options }), ciphertext, chunkSize);
}

/** The outcome of a decryption that is expected to fail: the plaintext emitted before the error. */
export interface FailedDecryption {
  emitted: Buffer;
  error: unknown;
}

export async function decryptExpectingError(
  ciphertext: Buffer,
  options: Partial<DecryptStreamOptions> = {},
  chunkSize = 4111,
): Promise<FailedDecryption> {
  const emitted: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      emitted.push(chunk);
      callback();
    },
  });
  const stream = createDecryptStream({ resolveDataKey: resolveTestKey, ...options });
  try {
    await pipeline(Readable.from(chunksOf(ciphertext, chunkSize)), stream, sink);
  } catch (error) {
    return { emitted: Buffer.concat(emitted), error };
  }
  return { emitted: Buffer.concat(emitted), error: undefined };
}
