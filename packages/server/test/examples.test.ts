import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CofferProcess, startCoffer } from '@coffer/testkit';
import { workosFor } from './support/workos.js';

const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const EXAMPLE = join(REPOSITORY, 'examples', 'encrypt-customers.js');
const SHIPPED_CSV = join(REPOSITORY, 'examples', 'data', 'customers.csv');

// The hard cases of RFC 4180 that a customer file can contain. They are quoted commas, doubled
// quotes, line breaks inside quotes, empty and quoted-empty fields, CRLF and LF endings, a byte
// order mark, a blank line, non-Latin text, and a last record without a line break.
const HARD_CSV = [
  '\ufeffcustomer_id,organization_id,full_name,email,phone,date_of_birth,notes\r\n',
  'cus_001,org_alpha,"Doe, Jane",jane@example.com,+1 555 0100,1980-01-02,"said ""hi"", then left\r\nsecond line 🎉"\r\n',
  'cus_002,org_beta,李小龙,lee@example.cn,,1940-11-27,\n',
  'cus_003,org_alpha,"",x@example.org,0,2000-02-29,"שלום, e\u0301 and a tab\there"\r\n',
  '\r\n',
  'cus_004,org_gamma,"O\'Brien ""Ob""",ob@example.ie,"+353 1 ,234",1975-12-31,"line one\nline two\n"\n',
  'cus_005,org_beta,Zoë,zoe@example.com,555,1999-09-09,ends without a line break',
].join('');
const HARD_CUSTOMERS = 5;

interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runExample(args: string[], env: Record<string, string | undefined>): Promise<ExampleRun> {
  const child = spawn(process.execPath, [EXAMPLE, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveRun({ code, stdout, stderr });
    });
  });
}

describe('examples/encrypt-customers.js', () => {
  let coffer: CofferProcess;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    coffer = await startCoffer();
    dir = mkdtempSync(join(tmpdir(), 'coffer-example-'));
    writeFileSync(join(dir, 'hard.csv'), HARD_CSV);
    env = { COFFER_URL: coffer.url, COFFER_API_KEY: coffer.apiKey };
  });

  after(async () => {
    await coffer?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('hard CSV round trips to JSONL', async () => {
    const output = join(dir, 'hard.jsonl');
    const result = await runExample([output, join(dir, 'hard.csv')], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      /^encrypted 5 customers of 3 organizations into .*hard\.jsonl; decrypted back: 5 matched, 0 mismatched \([\d.]+ s\)\n$/,
    );
    assert.equal(readFileSync(output, 'utf8').trim().split('\n').length, HARD_CUSTOMERS);
  });

  test('hard CSV round trips to CSV', async () => {
    const output = join(dir, 'hard.enc.csv');
    const result = await runExample([output, join(dir, 'hard.csv')], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /5 matched, 0 mismatched/);
    assert.match(readFileSync(output, 'utf8'), /^customer_id,organization_id,ciphertext\r\n/);
  });

  test('output holds no plaintext', async () => {
    const output = join(dir, 'plain.jsonl');
    assert.equal((await runExample([output, join(dir, 'hard.csv')], env)).code, 0);
    const written = readFileSync(output, 'utf8');
    for (const plaintext of ['Jane', 'jane@example.com', '李小龙', '1980-01-02', 'שלום', 'line two']) {
      assert.equal(written.includes(plaintext), false, plaintext);
    }
  });

  test('output decrypts with the SDK', async () => {
    const output = join(dir, 'sdk.jsonl');
    assert.equal((await runExample([output, join(dir, 'hard.csv')], env)).code, 0);
    const rows = readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { customer_id: string; organization_id: string; ciphertext: string });
    const workos = workosFor(coffer.url, coffer.apiKey);

    const first = JSON.parse(await workos.vault.decrypt(rows[0]?.ciphertext ?? '', 'cus_001'));
    assert.deepEqual(first, {
      full_name: 'Doe, Jane',
      email: 'jane@example.com',
      phone: '+1 555 0100',
      date_of_birth: '1980-01-02',
      notes: 'said "hi", then left\r\nsecond line 🎉',
    });
    const fourth = JSON.parse(await workos.vault.decrypt(rows[3]?.ciphertext ?? '', 'cus_004'));
    assert.equal(fourth.full_name, 'O\'Brien "Ob"');
    assert.equal(fourth.notes, 'line one\nline two\n');
    await assert.rejects(workos.vault.decrypt(rows[0]?.ciphertext ?? '', 'cus_002'));
  });

  test('shipped customers.csv round trips', {
    skip: !existsSync(SHIPPED_CSV) && 'no examples/data/customers.csv yet',
  }, async () => {
    const result = await runExample([join(dir, 'shipped.jsonl')], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /decrypted back: (\d+) matched, 0 mismatched/);
  });

  const malformed: [string, string, RegExp][] = [
    ['unclosed quote', 'customer_id,organization_id\ncus_1,"org_a\n', /line 2: a quoted field is never closed/],
    ['quote inside field', 'customer_id,organization_id\ncus_1,org"a\n', /line 2: a quote inside an unquoted field/],
    [
      'text after quote',
      'customer_id,organization_id\ncus_1,"org_a"x\n',
      /line 2: unexpected text after a closing quote/,
    ],
    ['missing field', 'customer_id,organization_id,notes\ncus_1,org_a\n', /record 2 has 2 fields, the header has 3/],
    ['missing key column', 'customer_id,notes\ncus_1,hello\n', /no organization_id column/],
  ];
  for (const [name, csv, message] of malformed) {
    test(`${name} stops with line`, async () => {
      const input = join(dir, `${name.replaceAll(' ', '-')}.csv`);
      writeFileSync(input, csv);
      const result = await runExample([join(dir, 'malformed.jsonl'), input], env);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, message);
    });
  }

  test('wrong API key exits 1', async () => {
    const result = await runExample([join(dir, 'denied.jsonl'), join(dir, 'hard.csv')], {
      ...env,
      COFFER_API_KEY: 'sk_not_a_key_of_this_server',
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^encrypt-customers: Coffer answered 401/);
  });

  test('missing API key exits 2', async () => {
    const result = await runExample([join(dir, 'none.jsonl'), join(dir, 'hard.csv')], {
      ...env,
      COFFER_API_KEY: undefined,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /set COFFER_API_KEY/);
  });

  test('missing output argument exits 2', async () => {
    const result = await runExample([], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^usage: /);
  });
});
