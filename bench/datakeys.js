// Data key benchmark: one coffer serve process, a bare Fastify baseline route in the same
// process, and the data key endpoints, all under the same load in one run.
import { runLoad, warmUp } from './lib/load.js';
import { checkTarget, machineLine, printTable } from './lib/report.js';
import { postJson, startBenchServer } from './lib/server.js';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);

/** Runs the data key phases and prints the table and the target checks. */
export async function benchDataKeys() {
  console.log(`datakeys: ${CONNECTIONS} connections, ${DURATION} s a phase; ${machineLine()}`);
  const server = await startBenchServer({ logLevel: process.env.BENCH_LOG_LEVEL ?? 'info' });
  try {
    const auth = { authorization: `Bearer ${server.apiKey}` };
    const load = (requests) =>
      runLoad({ url: server.url, requests, connections: CONNECTIONS, durationSeconds: DURATION, headers: auth });

    const oneContext = { organization_id: 'org_01HBENCHMARKAAAAAAAAAAAAA' };
    const threeContext = { ...oneContext, region: 'eu-west-1', team: 'payments' };
    const sample = await postJson(server, '/vault/v1/keys/data-key', { context: oneContext });
    await postJson(server, '/vault/v1/keys/data-key', { context: threeContext });

    const baselineRequest = [
      { method: 'POST', path: '/bench/baseline', body: JSON.stringify({ context: oneContext }) },
    ];
    const create1 = [
      { method: 'POST', path: '/vault/v1/keys/data-key', body: JSON.stringify({ context: oneContext }) },
    ];
    const create3 = [
      { method: 'POST', path: '/vault/v1/keys/data-key', body: JSON.stringify({ context: threeContext }) },
    ];
    const decrypt = [
      { method: 'POST', path: '/vault/v1/keys/decrypt', body: JSON.stringify({ keys: sample.encrypted_keys }) },
    ];
    let counter = 0;
    const createNew = [
      {
        method: 'POST',
        path: '/vault/v1/keys/data-key',
        setupRequest: (request) => {
          counter += 1;
          return {
            ...request,
            body: JSON.stringify({ context: { organization_id: `org_bench_${process.pid}_${counter}` } }),
          };
        },
      },
    ];

    await warmUp({
      url: server.url,
      requests: baselineRequest,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: auth,
    });
    await warmUp({
      url: server.url,
      requests: create1,
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      headers: auth,
    });

    const baseline = { name: 'bare Fastify baseline (same JSON size)', ...(await load(baselineRequest)) };
    const rows = [
      baseline,
      { name: 'create data key, 1 context pair (KEK warm)', ...(await load(create1)) },
      { name: 'create data key, 3 context pairs (KEKs warm)', ...(await load(create3)) },
      { name: 'create data key, new context each (KEK created)', ...(await load(createNew)) },
      { name: 'decrypt data key', ...(await load(decrypt)) },
    ];
    printTable('data keys', baseline, rows);

    const [, c1, c3, fresh, dec] = rows;
    console.log('');
    checkTarget('create (1 pair) / baseline', c1.rps / baseline.rps, 0.6);
    checkTarget('create (3 pairs) / baseline', c3.rps / baseline.rps, 0.6);
    checkTarget('decrypt / baseline', dec.rps / baseline.rps, 0.7);
    checkTarget('create (1 pair) p99 ms', c1.p99, 10, false);
    checkTarget('create (3 pairs) p99 ms', c3.p99, 10, false);
    checkTarget('decrypt p99 ms', dec.p99, 10, false);
    checkTarget('KEK creations per second', fresh.rps, 2000);
  } finally {
    await server.stop();
  }
}
