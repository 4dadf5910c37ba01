// Compares the encryption throughput of the Coffer streaming format with plain AES-256-GCM from
// node:crypto on the same machine, in one process. Run `npm run build` first, then
// `node bench/stream-throughput.js [MiB] [rounds]` (defaults: 512 MiB, 5 rounds). Prints the
// median of the rounds for each case and the ratio of stream to raw throughput.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDecryptStream, createEncryptStream } from '../packages/client/dist/src/index.js';
import { DEFAULT_STREAM_SEGMENT_SIZE } from '../packages/core/dist/src/index.js';

const mebibytes = Number(process.argv[2] ?? 512);
const rounds = Number(process.argv[3] ?? 5);
const totalBytes = mebibytes * 1024 * 1024;
// 64 KiB is the chunk size of fs.createReadStream, so this is how file data arrives.
const chunkSize = 64 * 1024;
const chunk = randomBytes(chunkSize);
const dataKey = randomBytes(32);
const encryptedKeys = randomBytes(142);

const cases = {
  'raw aes-256-gcm encrypt': rawEncrypt,
  'stream encrypt': streamEncrypt,
  'raw aes-256-gcm decrypt': rawDecrypt,
  'stream decrypt': streamDecrypt,
};

const ciphertextChunks = await encryptToChunks();
const rates = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (const run of Object.values(cases)) {
  await run(); // warm-up
}
// Rounds interleave the cases so that drift in machine load or heap state hits all of them alike.
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const began = performance.now();
    const bytes = await run();
    rates[name].push(bytes / 1e6 / ((performance.now() - began) / 1000));
  }
}
const medians = {};
for (const [name, list] of Object.entries(rates)) {
  list.sort((a, b) => a - b);
  medians[name] = list[Math.floor(list.length / 2)];
  console.log(`${name.padEnd(26)} ${medians[name].toFixed(0).padStart(6)} MB/s (median of ${rounds})`);
}
console.log(`segment size ${DEFAULT_STREAM_SEGMENT_SIZE} B, input chunks ${chunkSize} B, ${mebibytes} MiB a round`);
const encryptRatio = medians['stream encrypt'] / medians['raw aes-256-gcm encrypt'];
const decryptRatio = medians['stream decrypt'] / medians['raw aes-256-gcm decrypt'];
console.log(`stream / raw encrypt: ${encryptRatio.toFixed(2)}`);
console.log(`stream / raw decrypt: ${decryptRatio.toFixed(2)}`);

async function rawEncrypt() {
  const cipher = createCipheriv('aes-256-gcm', dataKey, randomBytes(12));
  for (let done = 0; done < totalBytes; done += chunkSize) {
    cipher.update(chunk);
  }
  cipher.final();
  cipher.getAuthTag();
  return totalBytes;
}

async function rawDecrypt() {
  // Without the right tag final() would throw, so this times update() only, the bulk of the work.
  const decipher = createDecipheriv('aes-256-gcm', dataKey, randomBytes(12));
  for (let done = 0; done < totalBytes; done += chunkSize) {
    decipher.update(chunk);
  }
  return totalBytes;
}

async function streamEncrypt() {
  await pipeline(Readable.from(plaintextChunks()), createEncryptStream({ dataKey, encryptedKeys }), discard());
  return totalBytes;
}

async function streamDecrypt() {
  const resolveDataKey = async () => dataKey;
  await pipeline(Readable.from(ciphertextChunks), createDecryptStream({ resolveDataKey }), discard());
  return totalBytes;
}

function* plaintextChunks() {
  for (let done = 0; done < totalBytes; done += chunkSize) {
    yield chunk;
  }
}

/** Encrypts the benchmark input once and cuts the ciphertext into read-sized chunks, as a file would arrive. */
async function encryptToChunks() {
  const sealed = [];
  const collect = new Writable({
    write(piece, _encoding, callback) {
      sealed.push(piece);
      callback();
    },
  });
  await pipeline(Readable.from(plaintextChunks()), createEncryptStream({ dataKey, encryptedKeys }), collect);
  const whole = Buffer.concat(sealed);
  const chunks = [];
  for (let offset = 0; offset < whole.length; offset += chunkSize) {
    chunks.push(whole.subarray(offset, offset + chunkSize));
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
