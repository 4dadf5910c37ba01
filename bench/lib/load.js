// Drives HTTP load with autocannon and reduces its result to the figures the benchmarks print.
import autocannon from 'autocannon';

/**
 * Runs one load phase and returns requests per second, latency percentiles in milliseconds and
 * error counts. `requests` is autocannon's request list; a `setupRequest` in it can vary bodies.
 */
export async function runLoad({ url, requests, connections, durationSeconds, headers = {} }) {
  const result = await autocannon({
    url,
    connections,
    duration: durationSeconds,
    headers: { 'content-type': 'application/json', ...headers },
    requests,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/** Short warm-up so JIT compilation and caches do not count against the first measured phase. */
export async function warmUp(options) {
  await runLoad({ ...options, durationSeconds: Math.min(2, options.durationSeconds) });
}
