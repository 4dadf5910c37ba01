// Local encryption benchmark: Coffer's SDK (data-key cache on and off) beside the AWS Encryption
// SDK with a raw AES keyring and raw node:crypto AES-256-GCM. It runs 1 KiB and 1 MiB messages
// and streams in one process and one run. The Coffer cases get their data keys from a real
// coffer serve process.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AlgorithmSuiteIdentifier,
  buildClient,
  CommitmentPolicy,
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
  RawAesKeyringNode,
  RawAesWrappingSuiteIdentifier,
} from '@aws-crypto/client-node';
import { CofferClient, createDecryptStream, createEncryptStream } from '@coffer/client';
import { checkTarget, machineLine } from './lib/report.js';
import { startBenchServer } from './lib/server.js';

/** How long each case runs, in seconds. */
const CASE_SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
/** Interleaved rounds per case; the median is reported. */
const ROUNDS = 7;
/** Bytes each stream case pushes through. */
const STREAM_BYTES = Number(process.env.BENCH_STREAM_MIB ?? 256) * 1024 * 1024;
const STREAM_CHUNK = 64 * 1024;
const CONTEXT = { organization_id: 'org_01HBENCHMARKAAAAAAAAAAAAA' };
const AWS_SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/** Runs every local encryption case and prints rates, ratios and the target checks. */
export async function benchLocal() {
  console.log(`local: ${CASE_SECONDS} s a case; ${machineLine()}`);
  const server = await startBenchServer({ logLevel: 'warn' });
  try {
    const cases = buildCases(server);
    const results = {};
    for (const size of [1024, 1024 * 1024]) {
      const message = randomBytes(size);
      console.log(`\n${size === 1024 ? '1 KiB' : '1 MiB'} messages, one at a time`);
      console.log(`${'case'.padEnd(46)}${'msg/s'.padStart(10)}${'MB/s'.padStart(10)}`);
      for (const encrypt of Object.values(cases)) {
        await encrypt(message); // warm-up and first data key
      }
      // Rounds interleave the cases, so drift in machine load and heap state hits all of them
      // alike; the median round counts.
      const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, encrypt] of Object.entries(cases)) {
          samples[name].push(await measure(() => encrypt(message), CASE_SECONDS / ROUNDS));
        }
      }
      for (const [name, list] of Object.entries(samples)) {
        const rate = median(list);
        results[`${size}:${name}`] = rate;
        console.log(
          `${name.padEnd(46)}${rate.toFixed(0).padStart(10)}${((rate * size) / 1e6).toFixed(0).padStart(10)}`,
        );
      }
    }

    console.log(`\nstreams of ${STREAM_BYTES / 2 ** 20} MiB in ${STREAM_CHUNK / 1024} KiB chunks`);
    const streams = await measureStreams();
    for (const [name, rate] of Object.entries(streams)) {
      console.log(`${name.padEnd(46)}${''.padStart(10)}${rate.toFixed(0).padStart(10)}`);
    }

    console.log('');
    const smallCoffer = results['1024:coffer encryptToBuffer, cache on'];
    const smallAws = results['1024:aws-crypto raw AES keyring, caching CMM'];
    const smallAwsPlain = results['1024:aws-crypto raw AES keyring'];
    console.log(
      `coffer (cache on) / aws-crypto without its cache, 1 KiB: ${(smallCoffer / smallAwsPlain).toFixed(1)}×`,
    );
    checkTarget('1 KiB: coffer (cache on) / aws-crypto (caching CMM)', smallCoffer / smallAws, 20);
    const bigCoffer = results['1048576:coffer encryptToBuffer, cache on'];
    const bigRaw = results['1048576:raw node:crypto AES-256-GCM'];
    checkTarget('1 MiB: coffer (cache on) / raw AES-256-GCM', bigCoffer / bigRaw, 0.8);
    checkTarget(
      'stream encrypt / raw AES-256-GCM',
      streams['coffer stream encrypt'] / streams['raw AES-256-GCM encrypt'],
      0.7,
    );
    checkTarget(
      'stream decrypt / raw AES-256-GCM',
      streams['coffer stream decrypt'] / streams['raw AES-256-GCM decrypt'],
      0.7,
    );
  } finally {
    await server.stop();
  }
}

function buildCases(server) {
  const cacheLimits = {
    encryption: { maxAgeMs: 60_000, maxMessages: 2 ** 32, maxBytes: Number.MAX_SAFE_INTEGER },
    decryption: { maxAgeMs: 60_000, maxEntries: 1000 },
  };
  const cached = new CofferClient({ baseUrl: server.url, apiKey: server.apiKey, dataKeyCache: cacheLimits });
  const uncached = new CofferClient({ baseUrl: server.url, apiKey: server.apiKey });

  const { encrypt: awsEncrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);
  const keyring = new RawAesKeyringNode({
    keyName: 'bench-key',
    keyNamespace: 'bench',
    unencryptedMasterKey: new Uint8Array(randomBytes(32)),
    wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
  });
  const cachingManager = new NodeCachingMaterialsManager({
    backingMaterials: keyring,
    cache: getLocalCryptographicMaterialsCache(1000),
    maxAge: 60_000,
    maxMessagesEncrypted: 2 ** 32,
    maxBytesEncrypted: Number.MAX_SAFE_INTEGER,
  });
  const rawKey = randomBytes(32);

  return {
    // A self-contained message, nonce | ciphertext | tag, as a minimal envelope of its own would write it.
    'raw node:crypto AES-256-GCM': async (message) => {
      const nonce = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', rawKey, nonce);
      const ciphertext = cipher.update(message);
      cipher.final();
      return Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]);
    },
    'coffer encryptToBuffer, cache on': (message) => cached.encryptToBuffer(message, CONTEXT),
    'coffer encrypt (base64 string), cache on': (message) => cached.encrypt(message, CONTEXT),
    'coffer encryptToBuffer, cache off (server call)': (message) => uncached.encryptToBuffer(message, CONTEXT),
    'aws-crypto raw AES keyring': (message) =>
      awsEncrypt(keyring, message, { suiteId: AWS_SUITE, encryptionContext: CONTEXT }),
    'aws-crypto raw AES keyring, caching CMM': (message) =>
      awsEncrypt(cachingManager, message, { suiteId: AWS_SUITE, encryptionContext: CONTEXT }),
  };
}

/**
 * Calls `operation` back to back for `seconds` and returns calls per second. The heap is
 * collected first (with --expose-gc) so no case pays for garbage that an earlier one left.
 */
async function measure(operation, seconds) {
  globalThis.gc?.();
  const deadline = performance.now() + seconds * 1000;
  const began = performance.now();
  let count = 0;
  while (performance.now() < deadline) {
    await operation();
    count += 1;
  }
  return count / ((performance.now() - began) / 1000);
}

/** Measures each stream case over STREAM_BYTES and returns MB/s per case. */
async function measureStreams() {
  const dataKey = randomBytes(32);
  const encryptedKeys = randomBytes(142);
  const chunk = randomBytes(STREAM_CHUNK);
  const plaintextChunks = function* () {
    for (let done = 0; done < STREAM_BYTES; done += STREAM_CHUNK) {
      yield chunk;
    }
  };
  const sealedChunks = await collectChunks(createEncryptStream({ dataKey, encryptedKeys }), plaintextChunks());

  const cases = {
    'raw AES-256-GCM encrypt': async () => {
      const cipher = createCipheriv('aes-256-gcm', dataKey, randomBytes(12));
      for (const piece of plaintextChunks()) {
        cipher.update(piece);
      }
      cipher.final();
    },
    'coffer stream encrypt': () =>
      pipeline(Readable.from(plaintextChunks()), createEncryptStream({ dataKey, encryptedKeys }), discard()),
    // Without the right tag final() throws, so the raw decrypt times update() only, the bulk of the work.
    'raw AES-256-GCM decrypt': async () => {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, randomBytes(12));
      for (const piece of plaintextChunks()) {
        decipher.update(piece);
      }
    },
    'coffer stream decrypt': () =>
      pipeline(Readable.from(sealedChunks), createDecryptStream({ resolveDataKey: async () => dataKey }), discard()),
  };

  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
  for (const run of Object.values(cases)) {
    await run();
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(cases)) {
      globalThis.gc?.();
      const began = performance.now();
      await run();
      samples[name].push(STREAM_BYTES / 1e6 / ((performance.now() - began) / 1000));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, median(list)]));
}

async function collectChunks(transform, source) {
  const pieces = [];
  await pipeline(
    Readable.from(source),
    transform,
    new Writable({
      write(piece, _encoding, callback) {
        pieces.push(piece);
        callback();
      },
    }),
  );
  const whole = Buffer.concat(pieces);
  const chunks = [];
  for (let offset = 0; offset < whole.length; offset += STREAM_CHUNK) {
    chunks.push(whole.subarray(offset, offset + STREAM_CHUNK));
  }
  return chunks;
}

function discard() {
  return new Writable({
    write(_piece, _encoding, callback) {
      callback();
    },
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
