// Object benchmark: create, read, update and list beside the same bare Fastify baseline as the
// data key benchmark, in one run against one server process.
import { runLoad, warmUp } from './lib/load.js';
import { checkTarget, machineLine, printTable } from './lib/report.js';
import { postJson, startBenchServer } from './lib/server.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
/** Objects that the read and update phases spread over, so they measure more than one hot row. */
const OBJECT_POOL = 100;
const VALUE = 'postgres://app:s3cr3t-password@db.internal:5432/payments?sslmode=verify-full';

/** Runs the object phases and prints the table and the target check. */
export async function benchObjects() {
  console.log(`objects: ${CONNECTIONS} connections, ${DURATION} s a phase; ${machineLine()}`);
  const server = await startBenchServer({ logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
  try {
    const auth = { authorization: `Bearer ${server.apiKey}` };
    const context = { organization_id: 'org_01HBENCHMARKAAAAAAAAAAAAA' };
    const ids = [];
    for (let index = 0; index < OBJECT_POOL; index++) {
      const created = await postJson(server, '/vault/v1/kv', {
        name: `pool-${index}`,
        value: VALUE,
        key_context: context,
      });
      ids.push(created.id);
    }

    let counter = 0;
    const pick = () => ids[counter++ % ids.length];
    const baseline = [{ method: 'POST', path: '/bench/baseline', body: JSON.stringify({ context }) }];
    const create = [
      {
        method: 'POST',
        path: '/vault/v1/kv',
        setupRequest: (request) => {
          counter += 1;
          return {
            ...request,
            body: JSON.stringify({ name: `bench-${process.pid}-${counter}`, value: VALUE, key_context: context }),
          };
        },
      },
    ];
    const read = [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/vault/v1/kv/${pick()}` }) }];
    const update = [
      {
        method: 'PUT',
        body: JSON.stringify({ value: VALUE, version_check: null }),
        setupRequest: (request) => ({ ...request, path: `/vault/v1/kv/${pick()}` }),
      },
    ];
    const list = [{ method: 'GET', path: '/vault/v1/kv?limit=10&order=desc' }];

    const options = { url: server.url, connections: CONNECTIONS, durationSeconds: DURATION, headers: auth };
    await warmUp({ ...options, requests: baseline });
    await warmUp({ ...options, requests: read });

    const baselineRow = {
      name: 'bare Fastify baseline (same JSON size)',
      ...(await runLoad({ ...options, requests: baseline })),
    };
    const rows = [
      baselineRow,
      { name: 'read object by id', ...(await runLoad({ ...options, requests: read })) },
      { name: 'create object', ...(await runLoad({ ...options, requests: create })) },
      { name: 'update object (new version)', ...(await runLoad({ ...options, requests: update })) },
      { name: 'list objects (limit 10)', ...(await runLoad({ ...options, requests: list })) },
    ];
    printTable('objects', baselineRow, rows);
    console.log('');
    checkTarget('read / baseline', rows[1].rps / baselineRow.rps, 0.4);
  } finally {
    await server.stop();
  }
}
