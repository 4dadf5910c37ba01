/**
 * Formats microseconds since the epoch as RFC 3339 UTC with six fractional digits, the form the
 * Vault API uses: `2025-02-21T12:04:09.165291Z`.
 */
export function formatMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString();
  const extra = String(micros - millis * 1000).padStart(3, '0');
  return `${iso.slice(0, -1)}${extra}Z`;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DATE_TO_STRING = /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} GMT[+-]\d{4}(?: \([^)]*\))?$/;

/**
 * Parses a timestamp given as ISO 8601 (a time without a zone is UTC; fractions to the
 * microsecond are kept) or as JavaScript's `Date#toString()` output, into microseconds since the
 * epoch. Returns undefined for anything else.
 *
 * @example
 * parseTimestamp('2023-01-01T00:00:00.000001Z'); // 1672531200000001
 * parseTimestamp('Sun Jan 01 2023 00:00:00 GMT+0000 (Coordinated Universal Time)'); // 1672531200000000
 */
export function parseTimestamp(text: string): number | undefined {
  const iso = ISO_8601.exec(text);
  if (iso !== null) {
    return parseIso(iso);
  }
  if (DATE_TO_STRING.test(text)) {
    const millis = Date.parse(text);
    return Number.isNaN(millis) ? undefined : millis * 1000;
  }
  return undefined;
}

function parseIso(match: RegExpExecArray): number | undefined {
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const base = `${year}-${month}-${day}T${hour}:${minute}:${second}${normalizeZone(zone)}`;
  const millis = Date.parse(base);
  if (Number.isNaN(millis) || !isCalendarDate(Number(year), Number(month), Number(day))) {
    return undefined;
  }
  const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
  return millis * 1000 + micros;
}

function normalizeZone(zone: string): string {
  if (zone.toUpperCase() === 'Z') {
    return 'Z';
  }
  const digits = zone.replace(':', '');
  return `${digits.slice(0, 3)}:${digits.length > 3 ? digits.slice(3) : '00'}`;
}

/** Rejects dates that Date.parse rolls over, such as February 30. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
