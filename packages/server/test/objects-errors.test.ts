import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CofferProcess, queryDatabase, startCoffer } from '@coffer/testkit';
import {
  bodyOf,
  CONTEXT,
  createApiKey,
  createObject,
  listAllNames,
  listVersions,
  type RawResponse,
  type RequestOptions,
  request,
  revokeApiKey,
} from './support/object-api.js';

const EMOJI = '\u{1F511}';
const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Asserts the error shape every 4xx shares: JSON `{error, message, code}` and an X-Request-ID header. */
function assertError(response: RawResponse, status: number, code?: string): Record<string, unknown> {
  assert.equal(response.status, status, response.text);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.ok(response.headers.get('x-request-id'), 'X-Request-ID header is missing');
  const body = bodyOf(response);
  assert.equal(typeof body.error, 'string');
  assert.ok((body.error as string).length > 0);
  assert.equal(body.message, body.error);
  assert.equal(typeof body.code, 'string');
  if (code !== undefined) {
    assert.equal(body.code, code);
  }
  if (status === 422) {
    assert.ok(Array.isArray(body.errors), `422 without errors: ${response.text}`);
    for (const item of body.errors as unknown[]) {
      assert.equal(typeof (item as { field: unknown }).field, 'string', response.text);
      assert.equal(typeof (item as { code: unknown }).code, 'string', response.text);
    }
  }
  return body;
}

/** Field names listed in a 422 body's `errors`. */
function fieldsOf(body: Record<string, unknown>): string[] {
  return (body.errors as { field: string }[]).map((item) => item.field);
}

function pairsOf(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, index) => [`key_${index}`, `value_${index}`]));
}

describe('object API errors', () => {
  let coffer: CofferProcess;
  let sentinel: { id: string; version_id: string };
  let counter = 0;

  function uniqueName(label: string): string {
    counter += 1;
    return `err-${label}-${counter}`;
  }

  /** Captures everything a rejected write could have touched: names, row counts and the sentinel's versions. */
  async function state(): Promise<unknown> {
    const [counts] = await queryDatabase(
      coffer.dataDir,
      `select (select count(*) from objects) as objects,
              (select count(*) from object_versions) as versions,
              (select count(*) from idempotency_keys) as idempotency_keys`,
    );
    const read = await request(coffer, 'GET', `/vault/v1/kv/${sentinel.id}`);
    return {
      counts,
      names: await listAllNames(coffer),
      versions: await listVersions(coffer, sentinel.id),
      value: bodyOf(read).value,
    };
  }

  /** Sends a request that must be rejected and checks that nothing changed. */
  async function rejected(method: string, path: string, options: RequestOptions = {}): Promise<RawResponse> {
    const before = await state();
    const response = await request(coffer, method, path, options);
    assert.ok(response.status >= 400, `${method} ${path} was accepted: ${response.status} ${response.text}`);
    assert.deepEqual(await state(), before, `${method} ${path} changed stored objects`);
    return response;
  }

  function createBody(overrides: Record<string, unknown>): Record<string, unknown> {
    return { name: uniqueName('create'), value: 'v', key_context: CONTEXT, ...overrides };
  }

  before(async () => {
    coffer = await startCoffer();
    sentinel = await createObject(coffer, 'err-sentinel', 'sentinel value');
  });

  after(async () => {
    await coffer?.stop();
  });

  describe('missing and mistyped fields', () => {
    for (const field of ['name', 'value', 'key_context']) {
      test(`missing ${field} is a 422`, async () => {
        const body = createBody({});
        delete body[field];
        const response = await rejected('POST', '/vault/v1/kv', { body });
        const parsed = assertError(response, 422, 'missing_field');
        assert.deepEqual(parsed.errors, [{ field, code: 'required' }]);
      });
    }

    test('empty object body is a 422', async () => {
      const response = await rejected('POST', '/vault/v1/kv', { body: {} });
      assertError(response, 422, 'missing_field');
    });

    test('POST without a body is a 422', async () => {
      const response = await rejected('POST', '/vault/v1/kv', { headers: { 'content-type': 'application/json' } });
      assertError(response, 422, 'missing_field');
    });

    const wrongTypes: { label: string; value: unknown }[] = [
      { label: 'number', value: 42 },
      { label: 'array', value: ['a'] },
      { label: 'object', value: { a: 'b' } },
      { label: 'boolean', value: true },
      { label: 'null', value: null },
    ];
    for (const field of ['name', 'value']) {
      for (const { label, value } of wrongTypes) {
        test(`${label} ${field} is a 422`, async () => {
          const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ [field]: value }) });
          const body = assertError(response, 422);
          assert.deepEqual(fieldsOf(body), [field]);
        });
      }
    }
    const wrongContexts = [
      ...wrongTypes.filter((candidate) => candidate.label !== 'object'),
      { label: 'string', value: 'organization_id=org_1' },
    ];
    for (const { label, value } of wrongContexts) {
      test(`${label} key_context is a 422`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ key_context: value }) });
        const body = assertError(response, 422);
        assert.deepEqual(fieldsOf(body), ['key_context']);
      });
    }

    test('unknown fields are ignored', async () => {
      const response = await request(coffer, 'POST', '/vault/v1/kv', {
        body: createBody({ extra: { nested: true }, version_check: 'ignored' }),
      });
      assert.equal(response.status, 201, response.text);
    });

    for (const { label, value } of wrongTypes.filter((candidate) => candidate.value !== null)) {
      test(`${label} version_check on update is a 422`, async () => {
        const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, {
          body: { value: 'changed', version_check: value },
        });
        const body = assertError(response, 422);
        assert.deepEqual(body.errors, [{ field: 'version_check', code: 'must_be_string' }]);
      });

      test(`${label} version_check on delete is a 422`, async () => {
        const response = await rejected('DELETE', `/vault/v1/kv/${sentinel.id}`, { body: { version_check: value } });
        const body = assertError(response, 422);
        assert.deepEqual(body.errors, [{ field: 'version_check', code: 'must_be_string' }]);
      });
    }

    for (const { label, value } of wrongTypes) {
      test(`${label} value on update is a 422`, async () => {
        const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, { body: { value } });
        const body = assertError(response, 422);
        assert.deepEqual(fieldsOf(body), ['value']);
      });
    }

    test('update without value is a 422', async () => {
      const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, { body: { version_check: null } });
      const body = assertError(response, 422, 'missing_field');
      assert.deepEqual(body.errors, [{ field: 'value', code: 'required' }]);
    });
  });

  describe('names', () => {
    test('empty name is a 422', async () => {
      const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ name: '' }) });
      const body = assertError(response, 422);
      assert.deepEqual(fieldsOf(body), ['name']);
    });

    const tooLong: { label: string; name: string }[] = [
      { label: '201 ASCII characters', name: 'a'.repeat(201) },
      { label: '201 emoji', name: EMOJI.repeat(201) },
      { label: '100 emoji and 101 letters', name: EMOJI.repeat(100) + 'b'.repeat(101) },
    ];
    for (const { label, name } of tooLong) {
      test(`name of ${label} is a 422`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ name }) });
        const body = assertError(response, 422);
        assert.deepEqual(body.errors, [{ field: 'name', code: 'too_long' }]);
      });
    }

    const longest: { label: string; name: string }[] = [
      { label: '200 ASCII characters', name: 'c'.repeat(200) },
      { label: '200 emoji', name: EMOJI.repeat(200) },
      { label: '100 emoji and 100 letters', name: EMOJI.repeat(100) + 'd'.repeat(100) },
    ];
    for (const { label, name } of longest) {
      test(`name of ${label} is accepted`, async () => {
        const response = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ name }) });
        assert.equal(response.status, 201, response.text);
        const read = await request(coffer, 'GET', `/vault/v1/kv/name/${encodeURIComponent(name)}`);
        assert.equal(read.status, 200, read.text);
      });
    }

    const forbidden: { label: string; name: string }[] = [
      { label: 'NUL', name: 'a\u0000b' },
      { label: 'U+0001', name: 'a\u0001b' },
      { label: 'tab', name: 'a\tb' },
      { label: 'newline', name: 'a\nb' },
      { label: 'carriage return', name: 'a\rb' },
      { label: 'U+001F', name: 'a\u001fb' },
      { label: 'DEL', name: 'a\u007fb' },
      { label: 'U+0080', name: 'a\u0080b' },
      { label: 'U+009F', name: 'a\u009fb' },
      { label: 'lone high surrogate', name: 'a\ud83db' },
      { label: 'lone low surrogate', name: 'a\udd11b' },
      { label: 'trailing high surrogate', name: 'ab\ud83d' },
      { label: 'reversed surrogate pair', name: '\udd11\ud83d' },
    ];
    for (const { label, name } of forbidden) {
      test(`name with ${label} is a 422`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ name }) });
        const body = assertError(response, 422);
        assert.deepEqual(body.errors, [{ field: 'name', code: 'invalid_character' }]);
      });
    }

    test('duplicate name is a 409', async () => {
      const name = uniqueName('duplicate');
      await createObject(coffer, name, 'first');
      const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ name, value: 'second' }) });
      assertError(response, 409, 'name_conflict');
      const read = await request(coffer, 'GET', `/vault/v1/kv/name/${name}`);
      assert.equal(bodyOf(read).value, 'first');
    });

    test('names differing in case coexist', async () => {
      const name = uniqueName('Case');
      await createObject(coffer, name, 'upper');
      const lower = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ name: name.toLowerCase() }) });
      assert.equal(lower.status, 201, lower.text);
    });

    test('names differing in normalisation coexist', async () => {
      const composed = `${uniqueName('norm')}-\u00e9`;
      const decomposed = composed.normalize('NFD');
      await createObject(coffer, composed, 'composed');
      const second = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ name: decomposed }) });
      assert.equal(second.status, 201, second.text);
    });
  });

  describe('values', () => {
    const lone: { label: string; value: string }[] = [
      { label: 'lone high surrogate', value: 'secret \ud83d' },
      { label: 'lone low surrogate', value: '\udd11 secret' },
    ];
    for (const { label, value } of lone) {
      test(`value with ${label} is a 422`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ value }) });
        const body = assertError(response, 422);
        assert.deepEqual(body.errors, [{ field: 'value', code: 'invalid_character' }]);
      });

      test(`update with ${label} is a 422`, async () => {
        const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, { body: { value } });
        assertError(response, 422);
      });
    }

    test('NUL inside a value is accepted', async () => {
      const name = uniqueName('nul');
      const value = 'a\u0000b\u0000';
      const created = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ name, value }) });
      assert.equal(created.status, 201, created.text);
      const read = await request(coffer, 'GET', `/vault/v1/kv/${bodyOf(created).id}`);
      assert.equal(bodyOf(read).value, value);
    });

    test('empty value is accepted', async () => {
      const created = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ value: '' }) });
      assert.equal(created.status, 201, created.text);
    });
  });

  describe('key context', () => {
    const invalid: { label: string; context: unknown }[] = [
      { label: 'empty object', context: {} },
      { label: 'empty array', context: [] },
      { label: 'array of pairs', context: [['organization_id', 'org_1']] },
      { label: 'eleven pairs', context: pairsOf(11) },
      { label: 'number value', context: { organization_id: 1 } },
      { label: 'boolean value', context: { organization_id: true } },
      { label: 'null value', context: { organization_id: null } },
      { label: 'array value', context: { organization_id: ['org_1'] } },
      { label: 'nested object value', context: { organization_id: { id: 'org_1' } } },
      { label: 'empty key', context: { '': 'org_1' } },
      { label: 'empty value', context: { organization_id: '' } },
      { label: '121-character key', context: { ['k'.repeat(121)]: 'v' } },
      { label: '121-emoji key', context: { [EMOJI.repeat(121)]: 'v' } },
      { label: '501-character value', context: { organization_id: 'v'.repeat(501) } },
      { label: '501-emoji value', context: { organization_id: EMOJI.repeat(501) } },
      { label: 'NUL in a key', context: { 'org\u0000id': 'v' } },
      { label: 'newline in a value', context: { organization_id: 'org\n1' } },
      { label: 'C1 control in a value', context: { organization_id: 'org\u00851' } },
      { label: 'lone surrogate in a key', context: { 'org\ud800': 'v' } },
      { label: 'lone surrogate in a value', context: { organization_id: 'org\udfff' } },
      { label: 'one bad pair among good', context: { organization_id: 'org_1', region: 7 } },
    ];
    for (const { label, context } of invalid) {
      test(`${label} context is a 422`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: createBody({ key_context: context }) });
        const body = assertError(response, 422, 'invalid_key_context');
        assert.ok(fieldsOf(body).length > 0);
        for (const field of fieldsOf(body)) {
          assert.match(field, /^key_context/);
        }
      });
    }

    const valid: { label: string; context: Record<string, string> }[] = [
      { label: 'ten pairs', context: pairsOf(10) },
      { label: '120-emoji key', context: { [EMOJI.repeat(120)]: 'v' } },
      { label: '500-emoji value', context: { organization_id: EMOJI.repeat(500) } },
      { label: '__proto__ key', context: Object.fromEntries([['__proto__', 'p']]) },
    ];
    for (const { label, context } of valid) {
      test(`${label} context is accepted`, async () => {
        const response = await request(coffer, 'POST', '/vault/v1/kv', { body: createBody({ key_context: context }) });
        assert.equal(response.status, 201, response.text);
        assert.deepEqual(bodyOf(response).context, context);
      });
    }
  });

  describe('version checks', () => {
    test('stale version_check on update is a 409', async () => {
      const created = await createObject(coffer, uniqueName('stale-update'), 'one');
      await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: 'two' } });
      const versionsBefore = await listVersions(coffer, created.id);

      const response = await rejected('PUT', `/vault/v1/kv/${created.id}`, {
        body: { value: 'three', version_check: created.version_id },
      });
      assertError(response, 409, 'version_conflict');
      assert.deepEqual(await listVersions(coffer, created.id), versionsBefore);
    });

    test('unknown version_check on update is a 409', async () => {
      const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, {
        body: { value: 'changed', version_check: UNKNOWN_ID },
      });
      assertError(response, 409, 'version_conflict');
    });

    test('empty version_check on update is a 409', async () => {
      const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, {
        body: { value: 'changed', version_check: '' },
      });
      assertError(response, 409, 'version_conflict');
    });

    test('null version_check on update means no check', async () => {
      const created = await createObject(coffer, uniqueName('null-check'), 'one');
      const response = await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, {
        body: { value: 'two', version_check: null },
      });
      assert.equal(response.status, 201, response.text);
    });

    test('stale version_check in the delete query is a 409', async () => {
      const created = await createObject(coffer, uniqueName('stale-delete-query'), 'one');
      await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: 'two' } });
      const response = await rejected('DELETE', `/vault/v1/kv/${created.id}?version_check=${created.version_id}`);
      assertError(response, 409, 'version_conflict');
    });

    test('stale version_check in the delete body is a 409', async () => {
      const created = await createObject(coffer, uniqueName('stale-delete-body'), 'one');
      await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: 'two' } });
      const response = await rejected('DELETE', `/vault/v1/kv/${created.id}`, {
        body: { version_check: created.version_id },
      });
      assertError(response, 409, 'version_conflict');
    });

    test('current version_check in the delete query deletes', async () => {
      const name = uniqueName('delete-query');
      const created = await createObject(coffer, name, 'one');
      const response = await request(
        coffer,
        'DELETE',
        `/vault/v1/kv/${created.id}?version_check=${created.version_id}`,
      );
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(bodyOf(response), { name, success: true });
    });

    test('current version_check in the delete body deletes', async () => {
      const created = await createObject(coffer, uniqueName('delete-body'), 'one');
      const response = await request(coffer, 'DELETE', `/vault/v1/kv/${created.id}`, {
        body: { version_check: created.version_id },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal((await request(coffer, 'GET', `/vault/v1/kv/${created.id}`)).status, 404);
    });

    test('DELETE with JSON type and no body deletes', async () => {
      const created = await createObject(coffer, uniqueName('delete-sdk'), 'one');
      const response = await request(coffer, 'DELETE', `/vault/v1/kv/${created.id}`, {
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(bodyOf(response).success, true);
    });

    test('DELETE with JSON type and empty query deletes', async () => {
      const created = await createObject(coffer, uniqueName('delete-empty-query'), 'one');
      const response = await request(coffer, 'DELETE', `/vault/v1/kv/${created.id}?version_check=`, {
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 200, response.text);
    });
  });

  describe('malformed bodies', () => {
    const bodies: { label: string; text: string; status: number; code: string }[] = [
      { label: 'truncated JSON', text: '{"name":', status: 400, code: 'invalid_json' },
      { label: 'trailing comma', text: '{"name":"a",}', status: 400, code: 'invalid_json' },
      { label: 'single quotes', text: "{'name':'a'}", status: 400, code: 'invalid_json' },
      { label: 'two documents', text: '{}{}', status: 400, code: 'invalid_json' },
      {
        label: 'array body',
        text: '[{"name":"a","value":"b","key_context":{"a":"b"}}]',
        status: 400,
        code: 'body_not_object',
      },
      { label: 'string body', text: '"hello"', status: 400, code: 'body_not_object' },
      { label: 'number body', text: '42', status: 400, code: 'body_not_object' },
      { label: 'null body', text: 'null', status: 400, code: 'body_not_object' },
    ];
    for (const { label, text, status, code } of bodies) {
      test(`${label} on create is a ${status}`, async () => {
        const response = await rejected('POST', '/vault/v1/kv', { body: text });
        assertError(response, status, code);
      });

      test(`${label} on update is a ${status}`, async () => {
        const response = await rejected('PUT', `/vault/v1/kv/${sentinel.id}`, { body: text });
        assertError(response, status, code);
      });

      test(`${label} on delete is a ${status}`, async () => {
        const response = await rejected('DELETE', `/vault/v1/kv/${sentinel.id}`, { body: text });
        assertError(response, status, code);
      });
    }

    test('GET with JSON type and no body succeeds', async () => {
      const paths = [
        `/vault/v1/kv/${sentinel.id}`,
        `/vault/v1/kv/${sentinel.id}/metadata`,
        `/vault/v1/kv/${sentinel.id}/versions`,
        '/vault/v1/kv/name/err-sentinel',
        '/vault/v1/kv',
      ];
      for (const path of paths) {
        const response = await request(coffer, 'GET', path, {
          headers: { 'content-type': 'application/json', 'content-length': '0' },
        });
        assert.equal(response.status, 200, `${path}: ${response.text}`);
      }
    });
  });

  describe('authentication', () => {
    // Paths are templates because the sentinel's id is known only once the server runs.
    const routes: { method: string; template: string; body?: unknown }[] = [
      { method: 'GET', template: '/vault/v1/kv' },
      { method: 'POST', template: '/vault/v1/kv', body: { name: 'err-auth', value: 'v', key_context: CONTEXT } },
      { method: 'GET', template: '/vault/v1/kv/name/err-sentinel' },
      { method: 'GET', template: '/vault/v1/kv/:id' },
      { method: 'PUT', template: '/vault/v1/kv/:id', body: { value: 'stolen' } },
      { method: 'DELETE', template: '/vault/v1/kv/:id' },
      { method: 'GET', template: '/vault/v1/kv/:id/metadata' },
      { method: 'GET', template: '/vault/v1/kv/:id/versions' },
    ];
    const pathOf = (template: string) => template.replace(':id', sentinel.id);
    const credentials: { label: string; apiKey: string | null; code: string }[] = [
      { label: 'missing key', apiKey: null, code: 'missing_api_key' },
      { label: 'unknown key', apiKey: 'sk_test_unknown_key_000000000000000000000', code: 'invalid_api_key' },
    ];

    for (const { label, apiKey, code } of credentials) {
      for (const { method, template, body } of routes) {
        test(`${label} on ${method} ${template} is a 401`, async () => {
          const response = await rejected(method, pathOf(template), { apiKey, body });
          assertError(response, 401, code);
        });
      }
    }

    test('Basic authorization is a 401', async () => {
      const response = await rejected('GET', '/vault/v1/kv', {
        apiKey: null,
        headers: { authorization: `Basic ${Buffer.from('user:pass').toString('base64')}` },
      });
      assertError(response, 401);
    });

    test('key revoked before use is a 401', async () => {
      const key = await createApiKey(coffer.dataDir, 'revoked-before-use');
      await revokeApiKey(coffer.dataDir, key.id);
      for (const { method, template, body } of routes) {
        const response = await rejected(method, pathOf(template), { apiKey: key.secret, body });
        assertError(response, 401, 'invalid_api_key');
      }
    });

    test('key revoked after use is a 401', async () => {
      const key = await createApiKey(coffer.dataDir, 'revoked-after-use');
      const allowed = await request(coffer, 'GET', '/vault/v1/kv', { apiKey: key.secret });
      assert.equal(allowed.status, 200, allowed.text);
      await revokeApiKey(coffer.dataDir, key.id);
      // The server caches key lookups for 2 seconds by default.
      await sleep(2500);
      const response = await rejected('GET', '/vault/v1/kv', { apiKey: key.secret });
      assertError(response, 401, 'invalid_api_key');
    });
  });

  describe('unknown objects', () => {
    const ids = [UNKNOWN_ID, 'not-a-uuid', 'x'.repeat(100), '%F0%9F%94%91'];
    for (const id of ids) {
      const shortId = id.length > 20 ? `${id.slice(0, 8)}…` : id;
      const routes: { method: string; path: string; body?: unknown }[] = [
        { method: 'GET', path: `/vault/v1/kv/${id}` },
        { method: 'PUT', path: `/vault/v1/kv/${id}`, body: { value: 'v' } },
        { method: 'PUT', path: `/vault/v1/kv/${id}`, body: { value: 'v', version_check: UNKNOWN_ID } },
        { method: 'DELETE', path: `/vault/v1/kv/${id}` },
        { method: 'DELETE', path: `/vault/v1/kv/${id}?version_check=${UNKNOWN_ID}` },
        { method: 'GET', path: `/vault/v1/kv/${id}/metadata` },
        { method: 'GET', path: `/vault/v1/kv/${id}/versions` },
        { method: 'GET', path: `/vault/v1/kv/name/${id}` },
      ];
      for (const { method, path, body } of routes) {
        test(`${method} ${path.replace(id, shortId)} is a 404`, async () => {
          const response = await rejected(method, path, { body });
          assertError(response, 404, 'object_not_found');
        });
      }
    }

    test('name is not found by its id', async () => {
      const response = await rejected('GET', `/vault/v1/kv/name/${sentinel.id}`);
      assertError(response, 404, 'object_not_found');
    });

    test('id over 100 characters is a 404', async () => {
      for (const suffix of ['', '/metadata', '/versions']) {
        const response = await rejected('GET', `/vault/v1/kv/${'x'.repeat(101)}${suffix}`);
        assertError(response, 404, 'object_not_found');
      }
    });

    test('malformed percent-encoding is a JSON 400', async () => {
      for (const path of ['/vault/v1/kv/%E0%A4%A', '/vault/v1/kv/name/%E0%A4%A']) {
        const response = await rejected('GET', path);
        const body = assertError(response, 400);
        assert.equal(body.statusCode, undefined);
      }
    });
  });
});

describe('size limits', () => {
  let coffer: CofferProcess;

  before(async () => {
    coffer = await startCoffer({ args: ['--max-value-size', '1KiB', '--max-body-size', '4KiB'] });
  });

  after(async () => {
    await coffer?.stop();
  });

  async function countObjects(): Promise<number> {
    return (await listAllNames(coffer)).length;
  }

  const accepted: { label: string; value: string }[] = [
    { label: '1024 ASCII bytes', value: 'a'.repeat(1024) },
    { label: '512 two-byte characters', value: '\u00e9'.repeat(512) },
    { label: '341 three-byte characters and one byte', value: `${'\u20ac'.repeat(341)}a` },
    { label: '256 emoji', value: EMOJI.repeat(256) },
  ];
  for (const { label, value } of accepted) {
    test(`value of ${label} is accepted`, async () => {
      assert.equal(Buffer.byteLength(value, 'utf8'), 1024);
      const created = await createObject(coffer, `limit-ok-${label}`, value);
      const read = await request(coffer, 'GET', `/vault/v1/kv/${created.id}`);
      assert.equal(bodyOf(read).value, value);
    });
  }

  const tooLarge: { label: string; value: string }[] = [
    { label: '1025 ASCII bytes', value: 'a'.repeat(1025) },
    { label: '512 two-byte characters and one byte', value: `${'\u00e9'.repeat(512)}a` },
    { label: '342 three-byte characters', value: '\u20ac'.repeat(342) },
    { label: '256 emoji and one byte', value: `${EMOJI.repeat(256)}a` },
    // 600 UTF-16 code units, fewer than 1024, but 1200 bytes in UTF-8.
    { label: '300 emoji', value: EMOJI.repeat(300) },
  ];
  for (const { label, value } of tooLarge) {
    test(`value of ${label} is a 413`, async () => {
      const before = await countObjects();
      const response = await request(coffer, 'POST', '/vault/v1/kv', {
        body: { name: `limit-big-${label}`, value, key_context: CONTEXT },
      });
      assertError(response, 413, 'value_too_large');
      assert.equal(await countObjects(), before);
    });
  }

  test('update over the limit is a 413', async () => {
    const created = await createObject(coffer, 'limit-update', 'small');
    const response = await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, { body: { value: 'b'.repeat(1025) } });
    assertError(response, 413, 'value_too_large');
    const versions = await listVersions(coffer, created.id);
    const read = await request(coffer, 'GET', `/vault/v1/kv/${created.id}`);
    assert.equal(versions.length, 1);
    assert.equal(bodyOf(read).value, 'small');
  });

  test('body over the limit is a 413', async () => {
    const before = await countObjects();
    const response = await request(coffer, 'POST', '/vault/v1/kv', {
      body: { name: 'limit-body', value: 'small', key_context: CONTEXT, padding: 'p'.repeat(5000) },
    });
    assertError(response, 413, 'body_too_large');
    assert.equal(await countObjects(), before);
  });

  test('body over the limit on update is a 413', async () => {
    const created = await createObject(coffer, 'limit-body-update', 'small');
    const response = await request(coffer, 'PUT', `/vault/v1/kv/${created.id}`, {
      body: { value: 'x', padding: 'p'.repeat(5000) },
    });
    assertError(response, 413, 'body_too_large');
    assert.equal((await listVersions(coffer, created.id)).length, 1);
  });

  test('body just under the limit is read', async () => {
    const response = await request(coffer, 'POST', '/vault/v1/kv', {
      body: { name: 'limit-body-ok', value: 'small', key_context: CONTEXT, padding: 'p'.repeat(3000) },
    });
    assert.equal(response.status, 201, response.text);
  });
});
