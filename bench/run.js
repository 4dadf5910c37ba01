// Entry point of `npm run bench -- <name>`: runs one benchmark, or every one with `all`.
import { benchDataKeys } from './datakeys.js';
import { benchLocal } from './local.js';
import { benchObjects } from './objects.js';
import { benchScale } from './scale.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BENCHMARKS = {
  datakeys: benchDataKeys,
  objects: benchObjects,
  local: benchLocal,
  scale: benchScale,
};

const name = process.argv[2];
if (name === undefined || (name !== 'all' && !(name in BENCHMARKS))) {
  console.error(`usage: npm run bench -- <${[...Object.keys(BENCHMARKS), 'all'].join('|')}>`);
  console.error('environment: BENCH_SECONDS (per phase, default 10), BENCH_CONNECTIONS (default 50)');
  process.exit(2);
}
for (const [benchName, run] of Object.entries(BENCHMARKS)) {
  if (name === 'all' || name === benchName) {
    await run();
  }
}
