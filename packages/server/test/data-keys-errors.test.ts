import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { createApiKey, revokeApiKey } from './support/coffer-cli.js';
import { assertErrorResponse, mapLimit, type RawResponse, sendJson, sendRaw } from './support/http.js';

const CREATE = '/vault/v1/keys/data-key';
const DECRYPT = '/vault/v1/keys/decrypt';
const REKEY = '/vault/v1/keys/rekey';
const ENDPOINTS = [CREATE, DECRYPT, REKEY];
const EMOJI = '\u{1F511}';
const PARALLEL_REQUESTS = 16;

interface DataKeyBody {
  id: string;
  data_key: string;
  encrypted_keys: string;
  context: Record<string, string>;
}

function flipBit(bytes: Buffer, index: number, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[index] = (copy[index] as number) ^ (1 << bit);
  return copy;
}

describe('data key errors over HTTP', () => {
  let coffer: CofferProcess;
  let blob: Buffer;
  let blobBase64: string;

  async function createDataKey(context: Record<string, string>): Promise<DataKeyBody> {
    const response = await sendJson(coffer, CREATE, { context });
    assert.equal(response.status, 200, response.text);
    return response.json as DataKeyBody;
  }

  /** Sends `encrypted` as `keys` to decrypt or as `encrypted_keys` to rekey. */
  function sendBlob(path: string, encrypted: string): Promise<RawResponse> {
    const body =
      path === DECRYPT
        ? { keys: encrypted }
        : { context: { organization_id: 'org_rekeyed' }, encrypted_keys: encrypted };
    return sendJson(coffer, path, body);
  }

  before(async () => {
    coffer = await startCoffer();
    const created = await createDataKey({ organization_id: 'org_errors' });
    blobBase64 = created.encrypted_keys;
    blob = Buffer.from(blobBase64, 'base64');
  });

  after(async () => {
    await coffer?.stop();
  });

  test('reference blob decrypts', async () => {
    const response = await sendBlob(DECRYPT, blobBase64);
    assert.equal(response.status, 200, response.text);
    assert.equal(blob.length, 50 + 92);
  });

  describe('key context', () => {
    const rejected: { name: string; body: unknown; code: string }[] = [
      { name: 'missing context', body: {}, code: 'required' },
      { name: 'null context', body: { context: null }, code: 'required' },
      { name: 'array context', body: { context: [['organization_id', 'org_1']] }, code: 'must_be_object' },
      { name: 'empty array context', body: { context: [] }, code: 'must_be_object' },
      { name: 'string context', body: { context: 'organization_id=org_1' }, code: 'must_be_object' },
      { name: 'number context', body: { context: 7 }, code: 'must_be_object' },
      { name: 'boolean context', body: { context: true }, code: 'must_be_object' },
      { name: 'empty object context', body: { context: {} }, code: 'empty' },
      { name: 'nested object value', body: { context: { a: { b: 'c' } } }, code: 'not_a_string' },
      { name: 'number value', body: { context: { a: 1 } }, code: 'not_a_string' },
      { name: 'zero value', body: { context: { a: 0 } }, code: 'not_a_string' },
      { name: 'boolean value', body: { context: { a: false } }, code: 'not_a_string' },
      { name: 'null value', body: { context: { a: null } }, code: 'not_a_string' },
      { name: 'array value', body: { context: { a: ['b'] } }, code: 'not_a_string' },
      { name: 'empty array value', body: { context: { a: [] } }, code: 'not_a_string' },
      { name: 'eleven pairs', body: { context: pairs(11) }, code: 'too_many_pairs' },
      { name: 'ASCII key of 121', body: { context: { ['k'.repeat(121)]: 'v' } }, code: 'key_too_long' },
      { name: 'emoji key of 121', body: { context: { [EMOJI.repeat(121)]: 'v' } }, code: 'key_too_long' },
      { name: 'ASCII value of 501', body: { context: { k: 'v'.repeat(501) } }, code: 'value_too_long' },
      { name: 'emoji value of 501', body: { context: { k: EMOJI.repeat(501) } }, code: 'value_too_long' },
      { name: 'empty key', body: { context: { '': 'v' } }, code: 'key_empty' },
      { name: 'empty value', body: { context: { k: '' } }, code: 'value_empty' },
    ];
    const forbidden: [string, string][] = [
      ['NUL', '\u0000'],
      ['U+001F', '\u001f'],
      ['DEL', '\u007f'],
      ['U+0085', '\u0085'],
      ['U+009F', '\u009f'],
      ['lone high surrogate', '\ud83d'],
      ['lone low surrogate', '\udd11'],
      ['reversed surrogates', '\udd11\ud83d'],
    ];
    for (const [name, character] of forbidden) {
      rejected.push({
        name: `${name} in key`,
        body: { context: { [`k${character}k`]: 'v' } },
        code: 'invalid_character',
      });
      rejected.push({
        name: `${name} in value`,
        body: { context: { k: `v${character}v` } },
        code: 'invalid_character',
      });
    }

    for (const path of [CREATE, REKEY]) {
      for (const { name, body, code } of rejected) {
        test(`${path.slice(15)}: ${name} is 422`, async () => {
          const withBlob = path === REKEY ? { ...(body as object), encrypted_keys: blobBase64 } : body;
          const bodyCode = code === 'required' ? 'missing_field' : 'invalid_key_context';
          const error = assertErrorResponse(await sendJson(coffer, path, withBlob), 422, bodyCode);
          assert.ok(
            error.errors?.some((item) => item.code === code && item.field.startsWith('context')),
            JSON.stringify(error),
          );
        });
      }
    }

    const accepted: { name: string; context: Record<string, string> }[] = [
      { name: 'ten pairs', context: pairs(10) },
      { name: 'ASCII key of 120', context: { ['k'.repeat(120)]: 'v' } },
      { name: 'emoji key of 120', context: { [EMOJI.repeat(120)]: 'v' } },
      { name: 'ASCII value of 500', context: { k: 'v'.repeat(500) } },
      { name: 'emoji value of 500', context: { k: EMOJI.repeat(500) } },
      { name: 'space and U+00A0', context: { 'k k': 'v\u00a0v' } },
      { name: 'combining marks', context: { 'e\u0301': 'a\u0308' } },
    ];
    for (const { name, context } of accepted) {
      test(`${name} is accepted`, async () => {
        const response = await sendJson(coffer, CREATE, { context });
        assert.equal(response.status, 200, response.text);
        assert.deepEqual((response.json as DataKeyBody).context, context);
      });
    }

    test('__proto__ key is accepted', async () => {
      const response = await sendRaw(coffer, CREATE, '{"context":{"__proto__":"x","constructor":"y"}}');
      assert.equal(response.status, 200, response.text);
      assert.match(response.text, /"context":\{"__proto__":"x","constructor":"y"\}/);
    });

    test('unknown body fields are ignored', async () => {
      const response = await sendJson(coffer, CREATE, { context: { a: 'b' }, extra: [1, 2], name: null });
      assert.equal(response.status, 200, response.text);
    });

    // JavaScript orders integer-like property names first, so they are echoed first; docs/api.md
    // states this exception to "keys in request order".
    test('integer-like keys come first', async () => {
      const response = await sendRaw(coffer, CREATE, '{"context":{"b":"1","2":"x"}}');
      assert.equal(response.status, 200, response.text);
      assert.match(response.text, /"context":\{"2":"x","b":"1"\}/);
    });
  });

  describe('request body', () => {
    const malformed = ['{', '{"context":', '{"context":{"a":"b"},}', "{'context':{}}", 'nul', '{"a":1}x', '\u0000'];
    const notObjects = ['[]', '[{"context":{"a":"b"}}]', '"context"', 'null', '42', 'true'];

    for (const path of ENDPOINTS) {
      for (const text of malformed) {
        test(`${path.slice(15)}: malformed ${JSON.stringify(text)} is 400`, async () => {
          assertErrorResponse(await sendRaw(coffer, path, text), 400, 'invalid_json');
        });
      }
      for (const text of notObjects) {
        test(`${path.slice(15)}: body ${text} is 400`, async () => {
          assertErrorResponse(await sendRaw(coffer, path, text), 400, 'body_not_object');
        });
      }
      test(`${path.slice(15)}: empty body is 422`, async () => {
        assertErrorResponse(await sendRaw(coffer, path, undefined), 422, 'missing_field');
        assertErrorResponse(await sendRaw(coffer, path, ''), 422, 'missing_field');
      });
    }

    test('invalid UTF-8 body is 400', async () => {
      const body = Buffer.concat([Buffer.from('{"context":{"a":"x'), Buffer.of(0xff, 0xfe), Buffer.from('"}}')]);
      const response = await fetch(new URL(CREATE, coffer.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${coffer.apiKey}`, 'content-type': 'application/json' },
        body,
      });
      assert.equal(response.status, 400, await response.text());
    });

    const missing: [string, string, unknown, string][] = [
      ['decrypt without keys', DECRYPT, {}, 'keys'],
      ['decrypt with null keys', DECRYPT, { keys: null }, 'keys'],
      ['decrypt with encrypted_keys only', DECRYPT, { encrypted_keys: 'AQ==' }, 'keys'],
      ['rekey without encrypted_keys', REKEY, { context: { a: 'b' } }, 'encrypted_keys'],
      ['rekey with null encrypted_keys', REKEY, { context: { a: 'b' }, encrypted_keys: null }, 'encrypted_keys'],
      ['rekey with keys only', REKEY, { context: { a: 'b' }, keys: 'AQ==' }, 'encrypted_keys'],
    ];
    for (const [name, path, body, field] of missing) {
      test(`${name} is 422`, async () => {
        const error = assertErrorResponse(await sendJson(coffer, path, body), 422, 'missing_field');
        assert.deepEqual(error.errors, [{ field, code: 'required' }]);
      });
    }

    const wrongTypes: unknown[] = [42, true, { a: 'b' }, ['AQ=='], 0];
    for (const value of wrongTypes) {
      test(`keys of ${JSON.stringify(value)} is 422`, async () => {
        const error = assertErrorResponse(await sendJson(coffer, DECRYPT, { keys: value }), 422, 'invalid_field');
        assert.deepEqual(error.errors, [{ field: 'keys', code: 'must_be_string' }]);
      });
      test(`encrypted_keys of ${JSON.stringify(value)} is 422`, async () => {
        const body = { context: { a: 'b' }, encrypted_keys: value };
        const error = assertErrorResponse(await sendJson(coffer, REKEY, body), 422, 'invalid_field');
        assert.deepEqual(error.errors, [{ field: 'encrypted_keys', code: 'must_be_string' }]);
      });
    }
  });

  describe('base64 strictness', () => {
    let variants: [string, string][];

    before(async () => {
      // A blob whose base64 contains '+' or '/', so that the URL-safe variant differs.
      let text = blobBase64;
      for (let attempt = 0; attempt < 20 && !/[+/]/.test(text); attempt++) {
        text = (await createDataKey({ organization_id: 'org_errors' })).encrypted_keys;
      }
      assert.match(text, /[+/]/);
      assert.ok(text.endsWith('=='), text);
      const lastData = text.charCodeAt(text.length - 3);
      const withTrailingBit = `${text.slice(0, -3)}${String.fromCharCode(lastData ^ 1)}==`;
      variants = [
        ['missing padding', text.slice(0, -2)],
        ['half padding', text.slice(0, -1)],
        ['extra padding', `${text}==`],
        ['URL-safe alphabet', text.replaceAll('+', '-').replaceAll('/', '_')],
        ['URL-safe without padding', text.replaceAll('+', '-').replaceAll('/', '_').slice(0, -2)],
        ['inner space', `${text.slice(0, 76)} ${text.slice(76)}`],
        ['MIME line breaks', `${text.slice(0, 76)}\r\n${text.slice(76)}`],
        ['trailing newline', `${text}\n`],
        ['leading space', ` ${text}`],
        ['trailing bits set', withTrailingBit],
        ['non-alphabet character', `${text.slice(0, 10)}*${text.slice(11)}`],
      ];
    });

    for (const path of [DECRYPT, REKEY]) {
      test(`${path.slice(15)}: every non-canonical form is 400`, async () => {
        for (const [name, text] of variants) {
          const response = await sendBlob(path, text);
          assert.equal(response.status, 400, `${name}: ${response.text}`);
          assertErrorResponse(response, 400, 'invalid_base64');
        }
      });
    }
  });

  describe('damaged blobs', () => {
    for (const path of [DECRYPT, REKEY]) {
      test(`${path.slice(15)}: every truncation is 400`, async () => {
        const lengths = Array.from({ length: blob.length }, (_, length) => length);
        const responses = await mapLimit(lengths, PARALLEL_REQUESTS, (length) =>
          sendBlob(path, blob.subarray(0, length).toString('base64')),
        );
        responses.forEach((response, length) => {
          assert.equal(response.status, 400, `length ${length}: ${response.text}`);
          assertErrorResponse(response, 400);
        });
      });
    }

    test('decrypt: every flipped bit is 400', async () => {
      const flips = Array.from({ length: blob.length * 8 }, (_, bit) => bit);
      const responses = await mapLimit(flips, PARALLEL_REQUESTS, (bit) =>
        sendBlob(DECRYPT, flipBit(blob, bit >> 3, bit & 7).toString('base64')),
      );
      responses.forEach((response, bit) => {
        assert.equal(response.status, 400, `byte ${bit >> 3} bit ${bit & 7}: ${response.text}`);
        assertErrorResponse(response, 400);
      });
    });

    test('rekey: flipped byte is 400', async () => {
      const indexes = Array.from({ length: blob.length }, (_, index) => index);
      const responses = await mapLimit(indexes, PARALLEL_REQUESTS, (index) =>
        sendBlob(REKEY, flipBit(blob, index, index % 8).toString('base64')),
      );
      responses.forEach((response, index) => {
        assert.equal(response.status, 400, `byte ${index}: ${response.text}`);
        assertErrorResponse(response, 400);
      });
    });

    for (const extra of [1, 91, 92, 93, 1000]) {
      test(`${extra} trailing bytes are 400`, async () => {
        const padded = Buffer.concat([blob, randomBytes(extra)]).toString('base64');
        for (const path of [DECRYPT, REKEY]) {
          assertErrorResponse(await sendBlob(path, padded), 400, 'invalid_encrypted_keys');
        }
      });
    }

    test('entries swapped between blobs are 400', async () => {
      const other = Buffer.from((await createDataKey({ organization_id: 'org_errors' })).encrypted_keys, 'base64');
      const swappedOne = Buffer.concat([blob.subarray(0, 50), other.subarray(50)]).toString('base64');
      const swappedTwo = Buffer.concat([other.subarray(0, 50), blob.subarray(50)]).toString('base64');
      for (const path of [DECRYPT, REKEY]) {
        assertErrorResponse(await sendBlob(path, swappedOne), 400, 'decryption_failed');
        assertErrorResponse(await sendBlob(path, swappedTwo), 400, 'decryption_failed');
      }
    });

    test('entry from another context is 400', async () => {
      const other = Buffer.from((await createDataKey({ organization_id: 'org_other' })).encrypted_keys, 'base64');
      const moved = Buffer.concat([blob.subarray(0, 50), other.subarray(50)]).toString('base64');
      assertErrorResponse(await sendBlob(DECRYPT, moved), 400, 'decryption_failed');
    });

    const foreign: [string, () => Buffer][] = [
      [
        'random bytes of blob shape',
        () => Buffer.concat([Buffer.of(1), randomBytes(48), Buffer.of(1), randomBytes(92)]),
      ],
      ['blob with unknown KEK id', () => Buffer.concat([blob.subarray(0, 50), randomBytes(16), blob.subarray(66)])],
      [
        'blob with unknown KEK version',
        () => Buffer.concat([blob.subarray(0, 66), Buffer.of(0, 0, 0, 2), blob.subarray(70)]),
      ],
      ['text of another vendor', () => Buffer.from('WOS.EKM.v1\u0000another vendor blob')],
      ['version 2 blob', () => Buffer.concat([Buffer.of(2), blob.subarray(1)])],
      ['single zero byte', () => Buffer.of(0)],
    ];
    for (const [name, make] of foreign) {
      test(`${name} is 400`, async () => {
        const text = make().toString('base64');
        for (const path of [DECRYPT, REKEY]) {
          assertErrorResponse(await sendBlob(path, text), 400);
        }
      });
    }

    test('damaged entry falls back to next', async () => {
      const twoEntries = Buffer.from(
        (await createDataKey({ organization_id: 'org_errors', region: 'eu' })).encrypted_keys,
        'base64',
      );
      const firstDamaged = flipBit(twoEntries, 50 + 60, 0);
      assert.equal((await sendBlob(DECRYPT, firstDamaged.toString('base64'))).status, 200);
      const bothDamaged = flipBit(firstDamaged, 50 + 92 + 60, 0);
      assertErrorResponse(await sendBlob(DECRYPT, bothDamaged.toString('base64')), 400, 'decryption_failed');
    });

    test('failure messages hide the cause', async () => {
      const wrongKek = Buffer.concat([blob.subarray(0, 66), Buffer.of(0, 0, 0, 2), blob.subarray(70)]);
      const tamperedKey = flipBit(blob, 120, 0);
      const tamperedCommitment = flipBit(blob, 20, 0);
      const bodies = await Promise.all(
        [wrongKek, tamperedKey, tamperedCommitment].map(async (bytes) =>
          assertErrorResponse(await sendBlob(DECRYPT, bytes.toString('base64')), 400, 'decryption_failed'),
        ),
      );
      assert.equal(new Set(bodies.map((body) => body.message)).size, 1);
    });
  });

  describe('authentication', () => {
    const unauthenticated: [string, Record<string, string> | null][] = [
      ['missing header', null],
      ['Basic scheme', { authorization: 'Basic x' }],
      ['Bearer without key', { authorization: 'Bearer' }],
      ['Bearer with two tokens', { authorization: 'Bearer sk_a sk_b' }],
      ['unknown scheme', { authorization: 'Token sk_live_0123456789abcdef' }],
      ['unknown key', { authorization: `Bearer sk_${randomBytes(32).toString('base64url')}` }],
      ['unknown key, lower-case scheme', { authorization: `bearer sk_${randomBytes(32).toString('base64url')}` }],
    ];

    for (const path of ENDPOINTS) {
      for (const [name, headers] of unauthenticated) {
        test(`${path.slice(15)}: ${name} is 401`, async () => {
          const body = JSON.stringify({ context: { a: 'b' }, keys: blobBase64, encrypted_keys: blobBase64 });
          const options = headers === null ? { apiKey: null } : { headers };
          assertErrorResponse(await sendRaw(coffer, path, body, options), 401);
        });
      }
    }

    test('authentication precedes body checks', async () => {
      assertErrorResponse(await sendRaw(coffer, CREATE, '{', { apiKey: null }), 401, 'missing_api_key');
      assertErrorResponse(
        await sendRaw(coffer, CREATE, '{', { apiKey: 'sk_unknown_0123456789' }),
        401,
        'invalid_api_key',
      );
    });

    test('revoked key is 401 soon', async () => {
      const key = await createApiKey(coffer.dataDir, 'soon-revoked');
      const target = { url: coffer.url, apiKey: key.secret };
      const body = { context: { organization_id: 'org_revoked' } };
      assert.equal((await sendJson(target, CREATE, body)).status, 200);

      await revokeApiKey(coffer.dataDir, key.id);
      const revokedAt = Date.now();
      // The server caches API key lookups for about 2 seconds, so the deadline allows for that and a slow machine.
      const deadline = revokedAt + 8000;
      let response = await sendJson(target, CREATE, body);
      while (response.status === 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        response = await sendJson(target, CREATE, body);
      }
      assertErrorResponse(response, 401, 'invalid_api_key');
      for (const path of ENDPOINTS) {
        assertErrorResponse(await sendJson(target, path, body), 401, 'invalid_api_key');
      }
    });

    test('other keys survive a revocation', async () => {
      const key = await createApiKey(coffer.dataDir, 'revoked-neighbour');
      await revokeApiKey(coffer.dataDir, key.id);
      assert.equal((await sendJson(coffer, CREATE, { context: { a: 'b' } })).status, 200);
    });
  });

  describe('routes and request ids', () => {
    const unknown: [string, string][] = [
      ['POST', '/vault/v1/keys/nope'],
      ['GET', CREATE],
      ['PUT', DECRYPT],
      ['POST', '/vault/v2/keys/data-key'],
      ['POST', '/nope'],
      ['GET', '/'],
    ];
    for (const [method, path] of unknown) {
      test(`${method} ${path} is 404`, async () => {
        const body = method === 'GET' ? undefined : '{}';
        assertErrorResponse(await sendRaw(coffer, path, body, { method }), 404, 'route_not_found');
        assertErrorResponse(await sendRaw(coffer, path, body, { method, apiKey: null }), 404);
      });
    }

    test('client request id is echoed', async () => {
      const response = await sendJson(coffer, CREATE, { context: {} }, { headers: { 'x-request-id': 'trace-42.abc' } });
      assert.equal(response.headers.get('x-request-id'), 'trace-42.abc');
    });

    test('unsafe request id is replaced', async () => {
      const response = await sendJson(coffer, CREATE, { context: {} }, { headers: { 'x-request-id': 'a b<script>' } });
      assert.match(response.headers.get('x-request-id') ?? '', /^req_[0-9a-f-]{36}$/);
    });

    test('success responses carry request id', async () => {
      const response = await sendJson(coffer, CREATE, { context: { a: 'b' } });
      assert.equal(response.status, 200);
      assert.match(response.headers.get('x-request-id') ?? '', /^req_/);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json\b/);
    });
  });
});

describe('request body size limit', () => {
  let coffer: CofferProcess;

  before(async () => {
    coffer = await startCoffer({ args: ['--max-body-size', '2KiB'] });
  });

  after(async () => {
    await coffer?.stop();
  });

  /** Builds a valid create body padded with an ignored field to exactly `size` bytes. */
  function bodyOfSize(size: number): string {
    const empty = JSON.stringify({ context: { organization_id: 'org_size' }, padding: '' });
    return JSON.stringify({ context: { organization_id: 'org_size' }, padding: 'x'.repeat(size - empty.length) });
  }

  test('body at limit is accepted', async () => {
    const body = bodyOfSize(2048);
    assert.equal(Buffer.byteLength(body), 2048);
    assert.equal((await sendRaw(coffer, CREATE, body)).status, 200);
  });

  test('body over limit is 413', async () => {
    for (const path of ENDPOINTS) {
      assertErrorResponse(await sendRaw(coffer, path, bodyOfSize(2049)), 413, 'body_too_large');
      assertErrorResponse(await sendRaw(coffer, path, bodyOfSize(100_000)), 413, 'body_too_large');
    }
  });

  test('chunked body over limit is 413', async () => {
    const chunk = new TextEncoder().encode(bodyOfSize(3000));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk.subarray(0, 1000));
        controller.enqueue(chunk.subarray(1000));
        controller.close();
      },
    });
    const response = await fetch(new URL(CREATE, coffer.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${coffer.apiKey}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const text = await response.text();
    assertErrorResponse(
      { status: response.status, headers: response.headers, text, json: JSON.parse(text) },
      413,
      'body_too_large',
    );
  });

  test('server still serves after 413', async () => {
    assert.equal((await sendRaw(coffer, CREATE, bodyOfSize(500))).status, 200);
  });
});

function pairs(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`key_${index}`, `value_${index}`]));
}
