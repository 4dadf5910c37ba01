import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DatabaseAvailability,
  OUTCOME_FRESH_MS,
  PROBE_TIMEOUT_MS,
} from '../../src/storage/postgres/database-availability.js';

/** Builds a probe that counts its calls and settles with the given outcome. */
function fakeProbe(outcome: 'answer' | 'outage' | 'hang') {
  const probe = {
    calls: 0,
    run: (): Promise<void> => {
      probe.calls += 1;
      if (outcome === 'answer') {
        return Promise.resolve();
      }
      return outcome === 'outage' ? Promise.reject(new Error('connection refused')) : new Promise(() => {});
    },
  };
  return probe;
}

describe('database availability', () => {
  test('fresh success skips the probe', async () => {
    const probe = fakeProbe('outage');
    let now = 10_000;
    const availability = new DatabaseAvailability(probe.run, () => now);
    availability.recordSuccess();
    now += OUTCOME_FRESH_MS - 1;

    assert.equal(await availability.isAvailable(), true);
    assert.equal(probe.calls, 0);
  });

  test('fresh outage skips the probe', async () => {
    const probe = fakeProbe('answer');
    let now = 10_000;
    const availability = new DatabaseAvailability(probe.run, () => now);
    availability.recordSuccess();
    now += 10;
    availability.recordOutage();

    assert.equal(await availability.isAvailable(), false);
    assert.equal(probe.calls, 0);
  });

  test('success after an outage counts', async () => {
    const probe = fakeProbe('outage');
    let now = 10_000;
    const availability = new DatabaseAvailability(probe.run, () => now);
    availability.recordOutage();
    now += 10;
    availability.recordSuccess();

    assert.equal(await availability.isAvailable(), true);
  });

  test('stale outcome runs the probe', async () => {
    const probe = fakeProbe('answer');
    let now = 10_000;
    const availability = new DatabaseAvailability(probe.run, () => now);
    availability.recordOutage();
    now += OUTCOME_FRESH_MS;

    assert.equal(await availability.isAvailable(), true);
    assert.equal(probe.calls, 1);
  });

  test('failed probe is unavailable', async () => {
    const availability = new DatabaseAvailability(fakeProbe('outage').run);
    assert.equal(await availability.isAvailable(), false);
  });

  test('hanging probe times out once', async () => {
    const probe = fakeProbe('hang');
    const availability = new DatabaseAvailability(probe.run);
    const started = Date.now();
    const results = await Promise.all([availability.isAvailable(), availability.isAvailable()]);
    const elapsed = Date.now() - started;
    const again = await availability.isAvailable();

    assert.deepEqual(results, [false, false]);
    assert.equal(again, false);
    assert.ok(elapsed >= PROBE_TIMEOUT_MS - 50, `answered after ${elapsed} ms`);
    assert.equal(probe.calls, 1, 'a probe still running is shared, not repeated');
  });
});
