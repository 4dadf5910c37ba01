#!/usr/bin/env node
// Encrypts a CSV of customers with the official WorkOS Node SDK against a Coffer server, writes
// the ciphertexts to a file, then reads that file back, decrypts every row and compares it with the
// input.
//
// Each row's personal fields (every column but customer_id and organization_id) are serialized as
// JSON and encrypted locally by `vault.encrypt`. The data key's key context is the row's
// organization, so Coffer wraps it under that organization's own key-encrypting key. The customer
// id is the associated data, so a ciphertext copied onto another customer's row fails to decrypt.
//
// Usage: node examples/encrypt-customers.js OUTPUT.jsonl|OUTPUT.csv [INPUT.csv]
// Environment: COFFER_URL (default http://127.0.0.1:7700) and COFFER_API_KEY.
// Exit codes: 0 every row verified, 1 a row did not match or a request failed, 2 invalid usage.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkOS } from '@workos-inc/node';

const DEFAULT_INPUT = join(dirname(fileURLToPath(import.meta.url)), 'data', 'customers.csv');
const KEY_COLUMNS = ['customer_id', 'organization_id'];
const OUTPUT_COLUMNS = ['customer_id', 'organization_id', 'ciphertext'];
const PARALLEL_REQUESTS = 16;
const USAGE = 'usage: node examples/encrypt-customers.js OUTPUT.jsonl|OUTPUT.csv [INPUT.csv]';

process.exitCode = await main(process.argv.slice(2));

async function main(args) {
  const [outputPath, inputPath = DEFAULT_INPUT] = args;
  const apiKey = process.env.COFFER_API_KEY;
  if (outputPath === undefined || args.length > 2) {
    console.error(USAGE);
    return 2;
  }
  if (apiKey === undefined || apiKey === '') {
    console.error('encrypt-customers: set COFFER_API_KEY to an API key of your Coffer server (sk_...)');
    return 2;
  }

  try {
    const started = performance.now();
    const customers = readCustomers(await readFile(inputPath, 'utf8'), inputPath);
    const workos = connect(process.env.COFFER_URL ?? 'http://127.0.0.1:7700', apiKey);

    const encrypted = await mapLimit(customers, PARALLEL_REQUESTS, (customer) => encryptCustomer(workos, customer));
    await writeFile(outputPath, formatOutput(encrypted, outputPath));

    const stored = parseOutput(await readFile(outputPath, 'utf8'), outputPath);
    const mismatches = await verify(workos, customers, stored);

    const organizations = new Set(customers.map((customer) => customer.organization_id)).size;
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    console.log(
      `encrypted ${customers.length} customers of ${organizations} organizations into ${outputPath}; ` +
        `decrypted back: ${customers.length - mismatches.length} matched, ${mismatches.length} mismatched (${seconds} s)`,
    );
    for (const mismatch of mismatches.slice(0, 10)) {
      console.error(`mismatch: ${mismatch}`);
    }
    return mismatches.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(`encrypt-customers: ${describeError(error, process.env.COFFER_URL ?? 'http://127.0.0.1:7700')}`);
    return 1;
  }
}

/** Builds an SDK client for a Coffer base URL such as http://127.0.0.1:7700. */
function connect(baseUrl, apiKey) {
  const url = new URL(baseUrl);
  return new WorkOS(apiKey, {
    apiHostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    https: url.protocol === 'https:',
  });
}

/** Encrypts a customer's personal fields; the key columns stay readable for lookups. */
async function encryptCustomer(workos, customer) {
  const ciphertext = await workos.vault.encrypt(
    JSON.stringify(personalFields(customer)),
    { organization_id: customer.organization_id },
    customer.customer_id,
  );
  return { customer_id: customer.customer_id, organization_id: customer.organization_id, ciphertext };
}

/** Decrypts every stored row and returns a description of each one that differs from the input. */
async function verify(workos, customers, stored) {
  if (stored.length !== customers.length) {
    return [`the output has ${stored.length} rows but the input has ${customers.length}`];
  }
  const results = await mapLimit(customers, PARALLEL_REQUESTS, async (customer, index) => {
    const row = stored[index];
    if (row.customer_id !== customer.customer_id || row.organization_id !== customer.organization_id) {
      return `row ${index + 1}: expected customer ${customer.customer_id}, found ${row.customer_id}`;
    }
    const decrypted = JSON.parse(await workos.vault.decrypt(row.ciphertext, row.customer_id));
    const expected = personalFields(customer);
    const differing = Object.keys(expected).filter((column) => decrypted[column] !== expected[column]);
    return differing.length === 0 ? undefined : `customer ${customer.customer_id}: ${differing.join(', ')} differ`;
  });
  return results.filter((result) => result !== undefined);
}

function personalFields(customer) {
  return Object.fromEntries(Object.entries(customer).filter(([column]) => !KEY_COLUMNS.includes(column)));
}

/** Reads the input CSV into one object per customer, keyed by the header row. */
function readCustomers(text, path) {
  const records = parseCsv(text, path);
  const customers = recordsToObjects(records, path);
  for (const column of KEY_COLUMNS) {
    if (customers.length > 0 && !(column in customers[0])) {
      throw new Error(`${path}: the header has no ${column} column`);
    }
  }
  return customers;
}

function formatOutput(rows, path) {
  if (path.endsWith('.csv')) {
    return formatCsv([OUTPUT_COLUMNS, ...rows.map((row) => OUTPUT_COLUMNS.map((column) => row[column]))]);
  }
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

function parseOutput(text, path) {
  if (path.endsWith('.csv')) {
    return recordsToObjects(parseCsv(text, path), path);
  }
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

function recordsToObjects(records, path) {
  if (records.length === 0) {
    throw new Error(`${path}: the file is empty; expected a header row`);
  }
  const [header, ...rows] = records;
  return rows.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new Error(`${path}: record ${index + 2} has ${fields.length} fields, the header has ${header.length}`);
    }
    return Object.fromEntries(header.map((column, columnIndex) => [column, fields[columnIndex]]));
  });
}

/**
 * Parses CSV as RFC 4180 defines it: fields separated by commas, records by CRLF or LF, and fields
 * that contain commas, quotes or line breaks enclosed in double quotes, with each quote inside
 * doubled. A byte order mark and blank lines are skipped. Raises an error naming the line for a
 * quote inside an unquoted field, text after a closing quote, or a quote that never closes.
 */
function parseCsv(text, path) {
  const records = [];
  let record = [];
  let field = '';
  let quoted = false;
  let fieldWasQuoted = false;
  let line = 1;
  let quoteLine = 1;
  let index = text.startsWith('\ufeff') ? 1 : 0;

  const endField = () => {
    record.push(field);
    field = '';
    fieldWasQuoted = false;
  };
  const endRecord = () => {
    endField();
    const blank = record.length === 1 && record[0] === '';
    if (!blank) {
      records.push(record);
    }
    record = [];
  };

  while (index < text.length) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 2;
      } else if (char === '"') {
        quoted = false;
        index += 1;
        const next = text[index];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && text[index + 1] === '\n')) {
          throw new Error(`${path}: line ${line}: unexpected text after a closing quote`);
        }
      } else {
        if (char === '\n') {
          line += 1;
        }
        field += char;
        index += 1;
      }
    } else if (char === '"') {
      if (field !== '' || fieldWasQuoted) {
        throw new Error(`${path}: line ${line}: a quote inside an unquoted field; enclose the field in quotes`);
      }
      quoted = true;
      fieldWasQuoted = true;
      quoteLine = line;
      index += 1;
    } else if (char === ',') {
      endField();
      index += 1;
    } else if (char === '\n' || (char === '\r' && text[index + 1] === '\n')) {
      endRecord();
      line += 1;
      index += char === '\r' ? 2 : 1;
    } else {
      field += char;
      index += 1;
    }
  }

  if (quoted) {
    throw new Error(`${path}: line ${quoteLine}: a quoted field is never closed`);
  }
  if (field !== '' || fieldWasQuoted || record.length > 0) {
    endRecord();
  }
  return records;
}

/** Writes records as RFC 4180 CSV with CRLF line breaks, quoting only the fields that need it. */
function formatCsv(records) {
  const formatField = (value) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  return records.map((fields) => `${fields.map(formatField).join(',')}\r\n`).join('');
}

/** Runs `work` over `items` with at most `limit` calls in flight; results keep the input order. */
async function mapLimit(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function describeError(error, baseUrl) {
  if (error?.status !== undefined) {
    return `Coffer answered ${error.status}: ${error.message}`;
  }
  // The SDK wraps network failures twice: its own Error, then fetch's TypeError with the code.
  const code = error?.cause?.code ?? error?.cause?.cause?.code;
  if (code !== undefined) {
    return `cannot reach Coffer at ${baseUrl} (${code}); start it with "coffer serve" or set COFFER_URL`;
  }
  return String(error?.message ?? error);
}
