import { randomUUID } from 'node:crypto';
import { randomPool } from './random-pool.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Creates a prefixed, time-ordered id such as `env_01J9Z3…`: a ULID (48-bit millisecond time
 * and 80 random bits in Crockford base32) after the prefix.
 *
 * @example
 * newId('key'); // 'key_01JD4W5Q2N8M3C7Y0TXZ1R6B9F'
 */
export function newId(prefix: string, nowMs = Date.now()): string {
  const time = encodeTime(nowMs);
  const random = randomPool.take(10);
  let tail = '';
  let bits = 0;
  let value = 0;
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      tail += CROCKFORD[(value >> bits) & 31];
    }
  }
  return `${prefix}_${time}${tail}`;
}

/**
 * Returns the smallest id that `newId(prefix)` can give at `timeMs`: every id made earlier
 * sorts below it, so a range of ids is a range of creation times, to the millisecond.
 *
 * @example
 * smallestIdAt('event', Date.parse('2025-01-01')); // 'event_01JGFJJZ000000000000000000'
 */
export function smallestIdAt(prefix: string, timeMs: number): string {
  return `${prefix}_${encodeTime(timeMs)}${'0'.repeat(16)}`;
}

/** Encodes milliseconds since the epoch as the 10-character time part of a ULID. */
function encodeTime(timeMs: number): string {
  let time = '';
  let rest = timeMs;
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[rest % 32] + time;
    rest = Math.floor(rest / 32);
  }
  return time;
}

/** Creates a random UUID (version 4) string. */
export function newUuid(): string {
  return randomUUID();
}

/** A source of the current time in microseconds since the Unix epoch; tests pass their own. */
export interface Clock {
  nowMicros(): number;
}

/** The system clock, with microsecond resolution from the monotonic high-resolution timer. */
export const systemClock: Clock = {
  nowMicros: () => Math.floor((performance.timeOrigin + performance.now()) * 1000),
};
