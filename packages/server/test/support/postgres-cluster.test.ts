import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { type PostgresCluster, startPostgresCluster } from './postgres-cluster.js';

async function query(url: string, sql: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function queryOne(url: string, sql: string, values: unknown[] = []): Promise<Record<string, unknown>> {
  const row = (await query(url, sql, values))[0];
  assert.ok(row !== undefined, `no row from: ${sql}`);
  return row;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') {
      return false;
    }
    throw error;
  }
}

describe('startPostgresCluster', () => {
  let cluster: PostgresCluster;

  before(async () => {
    cluster = await startPostgresCluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  test('serves select 1 on 127.0.0.1', async () => {
    assert.match(cluster.url, /^postgres:\/\/coffer@127\.0\.0\.1:\d+\/coffer$/);
    const row = await queryOne(cluster.url, 'select 1 as one');
    assert.equal(row.one, 1);
  });

  test('uses UTF8, fsync on and 200 connections', async () => {
    const row = await queryOne(
      cluster.url,
      `select pg_encoding_to_char(encoding) as encoding,
              current_setting('fsync') as fsync,
              current_setting('max_connections') as max_connections,
              current_setting('listen_addresses') as listen_addresses
         from pg_database where datname = current_database()`,
    );
    assert.equal(row.encoding, 'UTF8');
    assert.equal(row.fsync, 'on');
    assert.equal(row.max_connections, '200');
    assert.equal(row.listen_addresses, '127.0.0.1');
  });

  test('creates an isolated database', async () => {
    const url = await cluster.createDatabase('isolated_one');
    assert.equal(url, cluster.urlFor('isolated_one'));
    const row = await queryOne(url, 'select current_database() as name');
    assert.equal(row.name, 'isolated_one');
  });

  test('rejects an invalid database name', async () => {
    await assert.rejects(cluster.createDatabase('bad-name; drop'), /invalid database name 'bad-name; drop'/);
  });

  test('restart keeps data and port', async () => {
    const url = await cluster.createDatabase('survives_restart');
    await query(url, 'create table kept (id int primary key, label text not null)');
    await query(url, "insert into kept values (1, 'héllo ✓')");

    const portBefore = cluster.port;
    const pidBefore = cluster.pid;
    await cluster.restartServer();

    assert.equal(cluster.port, portBefore);
    assert.notEqual(cluster.pid, pidBefore);
    assert.equal(isProcessAlive(pidBefore), false);
    const row = await queryOne(url, 'select label from kept where id = $1', [1]);
    assert.equal(row.label, 'héllo ✓');
  });

  test('immediate stop then start recovers', async () => {
    const url = await cluster.createDatabase('crash_recovery');
    await query(url, 'create table t (id int primary key)');
    await query(url, 'insert into t values (7)');

    await cluster.stopServer('immediate');
    assert.equal(cluster.running, false);
    await assert.rejects(queryOne(url, 'select 1'), /ECONNREFUSED/);

    await cluster.startServer();
    assert.equal(cluster.running, true);
    const row = await queryOne(url, 'select count(*)::int as count from t');
    assert.equal(row.count, 1);
  });

  test('fast stop ends open sessions', async () => {
    const client = new pg.Client({ connectionString: cluster.url });
    client.on('error', () => {});
    await client.connect();
    const pidBefore = cluster.pid;

    await cluster.stopServer('fast');
    assert.equal(isProcessAlive(pidBefore), false);
    await assert.rejects(client.query('select 1'));
    await client.end().catch(() => {});

    await cluster.startServer();
  });
});

test('stop kills the server and removes the directory', async () => {
  const cluster = await startPostgresCluster({ database: 'postgres' });
  const pid = cluster.pid;
  assert.equal(isProcessAlive(pid), true);
  assert.equal(existsSync(cluster.dataDir), true);

  await cluster.stop();

  assert.equal(isProcessAlive(pid), false);
  assert.equal(cluster.running, false);
  assert.equal(existsSync(cluster.baseDir), false);
  await cluster.stop();
  await assert.rejects(cluster.startServer(), /was removed by stop\(\)/);
});

test('missing binaries throw with the path', async () => {
  const binDir = '/nonexistent/postgresql/bin';
  await assert.rejects(startPostgresCluster({ binDir }), (error: Error) => {
    assert.match(error.message, /\/nonexistent\/postgresql\/bin\/initdb/);
    assert.match(error.message, /apt-get install postgresql-15/);
    return true;
  });
});

test('taken port fails with the server log', async () => {
  const first = await startPostgresCluster({ database: 'postgres' });
  try {
    await assert.rejects(startPostgresCluster({ database: 'postgres', port: first.port }), (error: Error) => {
      assert.equal(error.name, 'PostgresStartError');
      assert.match(error.message, /Address already in use/);
      return true;
    });
  } finally {
    await first.stop();
  }
});
