import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import type { WorkOS } from '@workos-inc/node';
import { bodyOf, createObject, type RawResponse, request, sdkFor } from './support/object-api.js';

interface Summary {
  id: string;
  name: string;
  updated_at: string;
}

interface Page {
  data: Summary[];
  list_metadata: { before: string | null; after: string | null };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats an instant as `Date#toString()` would in a time zone `offsetMinutes` east of UTC. */
function dateToStringAt(millis: number, offsetMinutes: number, zoneName: string): string {
  const local = new Date(millis + offsetMinutes * 60_000);
  const twoDigits = (value: number) => String(value).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const offset = `${twoDigits(Math.floor(Math.abs(offsetMinutes) / 60))}${twoDigits(Math.abs(offsetMinutes) % 60)}`;
  return (
    `${WEEKDAYS[local.getUTCDay()]} ${MONTHS[local.getUTCMonth()]} ${twoDigits(local.getUTCDate())} ` +
    `${local.getUTCFullYear()} ${twoDigits(local.getUTCHours())}:${twoDigits(local.getUTCMinutes())}:` +
    `${twoDigits(local.getUTCSeconds())} GMT${sign}${offset} (${zoneName})`
  );
}

/** Formats an instant as ISO 8601 local time with a numeric offset, such as `2023-01-01T05:30:00+05:30`. */
function isoAt(millis: number, offsetMinutes: number): string {
  const local = new Date(millis + offsetMinutes * 60_000).toISOString().slice(0, 19);
  const twoDigits = (value: number) => String(value).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  return `${local}${sign}${twoDigits(Math.floor(Math.abs(offsetMinutes) / 60))}:${twoDigits(Math.abs(offsetMinutes) % 60)}`;
}

/** Parses an RFC 3339 timestamp with up to six fractional digits into microseconds. */
function toMicros(timestamp: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(timestamp);
  assert.ok(match !== null, `not an RFC 3339 UTC timestamp: ${timestamp}`);
  const fraction = (match[2] ?? '').padEnd(6, '0');
  return Date.parse(`${match[1]}Z`) * 1000 + Number(fraction);
}

/** Formats microseconds as RFC 3339 UTC with six fractional digits. */
function fromMicros(micros: number): string {
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = String(micros - seconds * 1_000_000).padStart(6, '0');
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${fraction}Z`;
}

describe('object listing', () => {
  let coffer: CofferProcess;
  let workos: WorkOS;

  async function listRaw(query: Record<string, string>): Promise<RawResponse> {
    return request(coffer, 'GET', `/vault/v1/kv?${new URLSearchParams(query)}`);
  }

  async function listPage(query: Record<string, string>): Promise<Page> {
    const response = await listRaw(query);
    assert.equal(response.status, 200, response.text);
    return response.json as Page;
  }

  /** Follows `list_metadata[cursorField]` as `direction` until it is null and returns every page. */
  async function walk(
    query: Record<string, string>,
    direction: 'after' | 'before' = 'after',
    cursorField: 'after' | 'before' = 'after',
  ): Promise<Page[]> {
    const pages: Page[] = [];
    let cursor: string | null | undefined = query[direction];
    do {
      const page = await listPage(cursor === undefined || cursor === null ? query : { ...query, [direction]: cursor });
      pages.push(page);
      cursor = page.list_metadata[cursorField];
      assert.ok(pages.length < 500, 'pagination did not end');
    } while (cursor !== null);
    return pages;
  }

  function names(pages: Page[]): string[] {
    return pages.flatMap((page) => page.data.map((item) => item.name));
  }

  before(async () => {
    coffer = await startCoffer();
    workos = sdkFor(coffer);
  });

  after(async () => {
    await coffer?.stop();
  });

  describe('25 objects', () => {
    const created: string[] = [];
    const ascending = Array.from({ length: 25 }, (_, index) => `page-${String(index).padStart(2, '0')}`);
    const descending = [...ascending].reverse();

    before(async () => {
      for (const name of ascending) {
        created.push((await createObject(coffer, name, `value of ${name}`)).id);
      }
    });

    test('limit defaults to 10', async () => {
      const page = await listPage({ search: 'page-' });
      assert.deepEqual(
        page.data.map((item) => item.name),
        descending.slice(0, 10),
      );
    });

    test('order defaults to desc', async () => {
      const page = await listPage({ search: 'page-', limit: '25' });
      assert.deepEqual(
        page.data.map((item) => item.name),
        descending,
      );
    });

    const clamps: { limit: string; count: number }[] = [
      { limit: '0', count: 1 },
      { limit: '-5', count: 1 },
      { limit: '1', count: 1 },
      { limit: '24', count: 24 },
      { limit: '1000', count: 25 },
    ];
    for (const { limit, count } of clamps) {
      test(`limit ${limit} returns ${count}`, async () => {
        const page = await listPage({ search: 'page-', limit });
        assert.equal(page.data.length, count);
      });
    }

    test('asc lists oldest first', async () => {
      const page = await listPage({ search: 'page-', order: 'asc', limit: '25' });
      assert.deepEqual(
        page.data.map((item) => item.name),
        ascending,
      );
      assert.deepEqual(
        page.data.map((item) => item.id),
        created,
      );
    });

    test('summaries have only id, name, updated_at', async () => {
      const page = await listPage({ search: 'page-00' });
      const item = page.data[0] as Summary;
      assert.deepEqual(Object.keys(item).sort(), ['id', 'name', 'updated_at']);
      assert.match(item.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3}|\.\d{6})?Z$/);
    });

    for (const order of ['asc', 'desc'] as const) {
      for (const limit of [1, 2, 7, 10, 25, 100]) {
        test(`after walks ${order} in pages of ${limit}`, async () => {
          const pages = await walk({ search: 'page-', order, limit: String(limit) });
          assert.deepEqual(names(pages), order === 'asc' ? ascending : descending);
          assert.equal(pages.length, Math.ceil(25 / limit));
        });
      }
    }

    test('before cursor passed as after walks too', async () => {
      const pages = await walk({ search: 'page-', order: 'asc', limit: '4' }, 'after', 'before');
      assert.deepEqual(names(pages), ascending);
    });

    test('cursors are equal until the last page', async () => {
      const pages = await walk({ search: 'page-', order: 'desc', limit: '6' });
      for (const page of pages.slice(0, -1)) {
        assert.equal(typeof page.list_metadata.after, 'string');
        assert.notEqual(page.list_metadata.after, '');
        assert.equal(page.list_metadata.before, page.list_metadata.after);
      }
      const last = pages.at(-1) as Page;
      assert.equal(last.list_metadata.after, null);
      assert.equal(last.list_metadata.before, null);
    });

    test('last page sends null, never empty string', async () => {
      const response = await listRaw({ search: 'page-', limit: '100' });
      assert.equal(response.status, 200);
      assert.match(response.text, /"list_metadata":\{"before":null,"after":null\}/);
    });

    test('full last page has no cursor', async () => {
      const page = await listPage({ search: 'page-', limit: '25' });
      assert.equal(page.data.length, 25);
      assert.equal(page.list_metadata.after, null);
    });

    test('before lists preceding items asc', async () => {
      const first = await listPage({ search: 'page-', order: 'asc', limit: '10' });
      const page = await listPage({
        search: 'page-',
        order: 'asc',
        limit: '3',
        before: first.list_metadata.after as string,
      });
      assert.deepEqual(
        page.data.map((item) => item.name),
        ['page-06', 'page-07', 'page-08'],
      );
    });

    test('before lists preceding items desc', async () => {
      const first = await listPage({ search: 'page-', order: 'desc', limit: '10' });
      const page = await listPage({
        search: 'page-',
        order: 'desc',
        limit: '3',
        before: first.list_metadata.after as string,
      });
      assert.deepEqual(
        page.data.map((item) => item.name),
        ['page-18', 'page-17', 'page-16'],
      );
    });

    test('before with a large limit stops at the start', async () => {
      const first = await listPage({ search: 'page-', order: 'asc', limit: '5' });
      const page = await listPage({
        search: 'page-',
        order: 'asc',
        limit: '100',
        before: first.list_metadata.after as string,
      });
      assert.deepEqual(
        page.data.map((item) => item.name),
        ascending.slice(0, 4),
      );
      assert.equal(page.list_metadata.after, null);
      assert.equal(page.list_metadata.before, null);
    });

    test('before walks back to the start', async () => {
      const first = await listPage({ search: 'page-', order: 'asc', limit: '10' });
      const pages = await walk(
        { search: 'page-', order: 'asc', limit: '4', before: first.list_metadata.after as string },
        'before',
      );
      assert.deepEqual(
        pages.map((page) => page.data.map((item) => item.name)),
        [ascending.slice(5, 9), ascending.slice(1, 5), ascending.slice(0, 1)],
      );
    });

    test('SDK listObjects follows the same order', async () => {
      const asc = await workos.vault.listObjects({ search: 'page-', order: 'asc', limit: 5 });
      const desc = await workos.vault.listObjects({ search: 'page-', limit: 5 });
      assert.deepEqual(
        asc.data.map((item) => item.name),
        ascending.slice(0, 5),
      );
      assert.deepEqual(
        desc.data.map((item) => item.name),
        descending.slice(0, 5),
      );
      assert.equal(typeof asc.listMetadata.after, 'string');
    });

    test('SDK after cursor reaches the next page', async () => {
      const first = await workos.vault.listObjects({ search: 'page-', order: 'asc', limit: 5 });
      const second = await workos.vault.listObjects({
        search: 'page-',
        order: 'asc',
        limit: 5,
        after: first.listMetadata.after as string,
      });
      assert.deepEqual(
        second.data.map((item) => item.name),
        ascending.slice(5, 10),
      );
    });

    test('SDK before cursor lists preceding items', async () => {
      const first = await workos.vault.listObjects({ search: 'page-', order: 'asc', limit: 5 });
      const back = await workos.vault.listObjects({
        search: 'page-',
        order: 'asc',
        limit: 5,
        before: first.listMetadata.after as string,
      });
      assert.deepEqual(
        back.data.map((item) => item.name),
        ascending.slice(0, 4),
      );
    });
  });

  describe('walking while deleting', () => {
    const walkNames = Array.from({ length: 11 }, (_, index) => `walk-${String(index).padStart(2, '0')}`);

    for (const order of ['asc', 'desc'] as const) {
      test(`delete seen objects ${order}`, async () => {
        const prefix = `walk-${order}-`;
        for (const name of walkNames) {
          await createObject(coffer, `${prefix}${name}`, 'v');
        }

        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const query: Record<string, string> = { search: prefix, order, limit: '2' };
          if (cursor !== null) {
            query.after = cursor;
          }
          const page = await listPage(query);
          for (const item of page.data) {
            seen.push(item.name);
            const deleted = await request(coffer, 'DELETE', `/vault/v1/kv/${item.id}`);
            assert.equal(deleted.status, 200, deleted.text);
          }
          cursor = page.list_metadata.after;
        } while (cursor !== null);

        const expected = walkNames.map((name) => `${prefix}${name}`);
        assert.deepEqual(seen, order === 'asc' ? expected : expected.reverse());
        const rest = await listPage({ search: prefix, limit: '100' });
        assert.equal(rest.data.length, 0);
      });
    }

    test('cursor of a deleted object stays valid', async () => {
      const prefix = 'walk-cursor-';
      const ids: string[] = [];
      for (let index = 0; index < 6; index++) {
        ids.push((await createObject(coffer, `${prefix}${index}`, 'v')).id);
      }
      const first = await listPage({ search: prefix, order: 'asc', limit: '3' });
      await request(coffer, 'DELETE', `/vault/v1/kv/${ids[2]}`);
      const second = await listPage({
        search: prefix,
        order: 'asc',
        limit: '3',
        after: first.list_metadata.after as string,
      });
      assert.deepEqual(
        second.data.map((item) => item.name),
        [`${prefix}3`, `${prefix}4`, `${prefix}5`],
      );
    });
  });

  describe('search', () => {
    const searchNames = [
      'Case-Alpha',
      'case-alpha',
      'xCASE-ALPHAx',
      'under_score',
      'underXscore',
      'per%cent',
      'perXcent',
    ];

    before(async () => {
      for (const name of searchNames) {
        await createObject(coffer, name, 'v');
      }
    });

    const cases: { search: string; expected: string[] }[] = [
      { search: 'Case', expected: ['Case-Alpha'] },
      { search: 'case', expected: ['case-alpha'] },
      { search: 'ALPHA', expected: ['xCASE-ALPHAx'] },
      { search: 'e-A', expected: ['Case-Alpha'] },
      { search: 'r_s', expected: ['under_score'] },
      { search: 'r%c', expected: ['per%cent'] },
      { search: 'CASE-ALPHAx', expected: ['xCASE-ALPHAx'] },
      { search: 'nothing-matches', expected: [] },
    ];
    for (const { search, expected } of cases) {
      test(`search ${JSON.stringify(search)} is case-sensitive`, async () => {
        const page = await listPage({ search, order: 'asc', limit: '100' });
        assert.deepEqual(
          page.data.map((item) => item.name),
          expected,
        );
      });
    }

    test('empty search lists everything', async () => {
      const all = await listPage({ search: '', limit: '100' });
      const unfiltered = await listPage({ limit: '100' });
      assert.deepEqual(all.data, unfiltered.data);
    });

    test('search with a plus sign in the query', async () => {
      await createObject(coffer, 'plus+sign name', 'v');
      const encoded = await request(coffer, 'GET', '/vault/v1/kv?search=plus%2Bsign');
      const spaced = await request(coffer, 'GET', '/vault/v1/kv?search=sign+name');
      assert.deepEqual(
        (encoded.json as Page).data.map((item) => item.name),
        ['plus+sign name'],
      );
      assert.deepEqual(
        (spaced.json as Page).data.map((item) => item.name),
        ['plus+sign name'],
      );
    });
  });

  describe('updated after', () => {
    let cutoffMillis: number;
    let late: Summary[];

    before(async () => {
      for (let index = 0; index < 3; index++) {
        await createObject(coffer, `ua-early-${index}`, 'v');
      }
      // Wait past the next whole second so that a cutoff without a fraction falls between the groups.
      const now = Date.now();
      cutoffMillis = Math.floor(now / 1000) * 1000 + 1000;
      await sleep(cutoffMillis - now + 50);
      for (let index = 0; index < 3; index++) {
        await createObject(coffer, `ua-late-${index}`, 'v');
      }
      late = (await listPage({ search: 'ua-late-', order: 'asc', limit: '100' })).data;
    });

    function formats(): { label: string; text: string }[] {
      const iso = new Date(cutoffMillis).toISOString();
      return [
        { label: 'ISO with Z', text: `${iso.slice(0, 19)}Z` },
        { label: 'ISO with milliseconds', text: iso },
        { label: 'ISO with microseconds', text: `${iso.slice(0, 19)}.000000Z` },
        { label: 'ISO with lower-case z', text: `${iso.slice(0, 19)}z` },
        { label: 'ISO with +05:30', text: isoAt(cutoffMillis, 330) },
        { label: 'ISO with -08:00', text: isoAt(cutoffMillis, -480) },
        { label: 'ISO with +00:00', text: isoAt(cutoffMillis, 0) },
        { label: 'ISO without a zone', text: iso.slice(0, 19) },
        { label: 'Date#toString UTC', text: dateToStringAt(cutoffMillis, 0, 'Coordinated Universal Time') },
        { label: 'Date#toString +0530', text: dateToStringAt(cutoffMillis, 330, 'India Standard Time') },
        { label: 'Date#toString -0800', text: dateToStringAt(cutoffMillis, -480, 'Pacific Standard Time') },
      ];
    }

    for (const parameter of ['updated_after', 'updatedAfter']) {
      test(`${parameter} accepts every format`, async () => {
        for (const { label, text } of formats()) {
          const page = await listPage({ search: 'ua-', order: 'asc', limit: '100', [parameter]: text });
          assert.deepEqual(
            page.data.map((item) => item.name),
            ['ua-late-0', 'ua-late-1', 'ua-late-2'],
            `${label}: ${text}`,
          );
        }
      });
    }

    test('filter is strictly later', async () => {
      const pivot = late[1] as Summary;
      const micros = toMicros(pivot.updated_at);
      const atPivot = await listPage({ search: 'ua-', order: 'asc', updated_after: fromMicros(micros) });
      const justBefore = await listPage({ search: 'ua-', order: 'asc', updated_after: fromMicros(micros - 1) });
      assert.deepEqual(
        atPivot.data.map((item) => item.name),
        ['ua-late-2'],
      );
      assert.deepEqual(
        justBefore.data.map((item) => item.name),
        ['ua-late-1', 'ua-late-2'],
      );
    });

    test('filter combines with cursors', async () => {
      const query = {
        search: 'ua-',
        order: 'asc',
        limit: '1',
        updatedAfter: new Date(cutoffMillis).toISOString(),
      };
      const pages = await walk(query);
      assert.deepEqual(names(pages), ['ua-late-0', 'ua-late-1', 'ua-late-2']);
    });

    test('SDK updatedAfter Date filters', async () => {
      const page = await workos.vault.listObjects({
        search: 'ua-',
        order: 'asc',
        updatedAfter: new Date(cutoffMillis),
      });
      assert.deepEqual(
        page.data.map((item) => item.name),
        ['ua-late-0', 'ua-late-1', 'ua-late-2'],
      );
    });

    test('future cutoff lists nothing', async () => {
      const page = await listPage({ search: 'ua-', updated_after: '2999-01-01T00:00:00Z' });
      assert.deepEqual(page.data, []);
      assert.equal(page.list_metadata.after, null);
    });
  });

  describe('auto-pagination over 150 objects', () => {
    const total = 150;
    const updatedCount = 120;
    let cutoff: Date;
    let updatedNames: string[];

    before(async () => {
      const bulkNames = Array.from({ length: total }, (_, index) => `bulk-${String(index).padStart(3, '0')}`);
      const ids: string[] = [];
      for (let start = 0; start < total; start += 10) {
        const batch = bulkNames.slice(start, start + 10);
        const created = await Promise.all(batch.map((name) => createObject(coffer, name, `value ${name}`)));
        ids.push(...created.map((metadata) => metadata.id));
      }

      // The SDK sends a Date as Date#toString(), which drops milliseconds, so the cutoff is a whole second.
      const now = Date.now();
      const cutoffMillis = Math.floor(now / 1000) * 1000 + 1000;
      await sleep(cutoffMillis - now + 50);
      cutoff = new Date(cutoffMillis);
      updatedNames = bulkNames.slice(0, updatedCount);
      for (let start = 0; start < updatedCount; start += 10) {
        await Promise.all(
          ids.slice(start, start + 10).map(async (id) => {
            const response = await request(coffer, 'PUT', `/vault/v1/kv/${id}`, { body: { value: 'updated' } });
            assert.equal(response.status, 201, response.text);
          }),
        );
      }
    });

    test('limit 1000 is clamped to 100', async () => {
      const page = await listPage({ search: 'bulk-', limit: '1000' });
      assert.equal(page.data.length, 100);
      assert.equal(typeof page.list_metadata.after, 'string');
    });

    test('autoPagination visits each object once', async () => {
      const list = await workos.vault.listObjects({ search: 'bulk-' });
      const all = await list.autoPagination();
      const seen = all.map((item) => item.name);

      assert.equal(list.data.length, 10);
      assert.equal(seen.length, total);
      assert.equal(new Set(seen).size, total);
      const raw = names(await walk({ search: 'bulk-', limit: '100' }));
      assert.deepEqual(seen, raw);
    });

    test('autoPagination keeps updatedAfter', async () => {
      const list = await workos.vault.listObjects({ search: 'bulk-', updatedAfter: cutoff });
      const all = await list.autoPagination();
      const seen = all.map((item) => item.name);

      assert.equal(seen.length, updatedCount);
      assert.deepEqual([...seen].sort(), [...updatedNames].sort());
    });
  });

  describe('malformed queries', () => {
    const cursorOf = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
    const cases: { label: string; query: string }[] = [
      { label: 'after with symbols', query: 'after=not%20a%20cursor!' },
      { label: 'after of random base64url', query: `after=${cursorOf('hello world')}` },
      { label: 'after with a bad time', query: `after=${cursorOf('c1:abc:some-id')}` },
      { label: 'after of a future version', query: `after=${cursorOf('c9:1:some-id')}` },
      { label: 'after with no id', query: `after=${cursorOf('c1:1:')}` },
      { label: 'before with symbols', query: 'before=%%%' },
      { label: 'before of standard base64', query: `before=${Buffer.from('c1:1:a?>').toString('base64')}` },
      { label: 'after and before together', query: `after=${cursorOf('c1:1:a')}&before=${cursorOf('c1:2:b')}` },
      { label: 'updated_after a word', query: 'updated_after=yesterday' },
      { label: 'updated_after February 30', query: 'updated_after=2023-02-30T00:00:00Z' },
      { label: 'updated_after month 13', query: 'updated_after=2023-13-01T00:00:00Z' },
      { label: 'updated_after hour 25', query: 'updated_after=2023-01-01T25:00:00Z' },
      { label: 'updatedAfter a number', query: 'updatedAfter=1672531200' },
      { label: 'updatedAfter bad toString', query: 'updatedAfter=Sun+Foo+01+2023+00%3A00%3A00+GMT%2B0000' },
      { label: 'limit a word', query: 'limit=ten' },
      { label: 'limit a fraction', query: 'limit=2.5' },
      { label: 'order sideways', query: 'order=sideways' },
      { label: 'limit given twice', query: 'limit=1&limit=2' },
    ];

    for (const { label, query } of cases) {
      test(`${label} is a 400`, async () => {
        const response = await request(coffer, 'GET', `/vault/v1/kv?${query}`);
        assert.equal(response.status, 400, response.text);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
        const body = bodyOf(response);
        assert.equal(typeof body.error, 'string');
        assert.equal(body.message, body.error);
        assert.equal(typeof body.code, 'string');
        assert.ok(response.headers.get('x-request-id'));
      });
    }
  });
});
