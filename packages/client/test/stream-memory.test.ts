import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { createDecryptStream } from '../src/decrypt-stream.js';
import { createEncryptStream } from '../src/encrypt-stream.js';
import { dataKey, encryptedKeys, resolveTestKey } from './stream-helpers.js';

const totalBytes = 1024 ** 3;
const maxRssGrowth = 100 * 1000 * 1000;

/** Yields `total` bytes in chunks of varying odd sizes cut from a random pool, hashing them on the way. */
async function* generate(total: number, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  const pool = randomBytes(1024 * 1024 + 70_000);
  let produced = 0;
  let step = 0;
  while (produced < total) {
    const size = Math.min(total - produced, 50_001 + ((step * 7919) % 20_000));
    const offset = (step * 104_729) % (pool.length - size);
    const chunk = pool.subarray(offset, offset + size);
    hash.update(chunk);
    produced += size;
    step++;
    yield chunk;
  }
}

test('1 GiB stream in constant memory', async (t) => {
  const inputHash = createHash('sha256');
  const outputHash = createHash('sha256');
  let outputBytes = 0;
  const start = process.memoryUsage.rss();
  let peak = start;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  // The pipeline can run for long stretches without reaching the timer phase, so the sink samples too.
  const timer = setInterval(sample, 20);

  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      outputHash.update(chunk);
      outputBytes += chunk.length;
      sample();
      callback();
    },
  });
  const began = performance.now();
  try {
    await pipeline(
      Readable.from(generate(totalBytes, inputHash)),
      createEncryptStream({ dataKey, encryptedKeys }),
      createDecryptStream({ resolveDataKey: resolveTestKey }),
      sink,
    );
  } finally {
    clearInterval(timer);
  }
  const seconds = (performance.now() - began) / 1000;
  const growth = peak - start;
  t.diagnostic(
    `1 GiB through encrypt and decrypt in ${seconds.toFixed(1)} s; peak RSS growth ${(growth / 1e6).toFixed(1)} MB`,
  );

  assert.equal(outputBytes, totalBytes);
  assert.equal(outputHash.digest('hex'), inputHash.digest('hex'));
  assert.ok(growth < maxRssGrowth, `peak RSS grew by ${growth} bytes, more than ${maxRssGrowth}`);
});
