import type { ObjectCursor } from '../storage/records.js';

const CURSOR_VERSION = 'c1';

/**
 * Encodes a listing position as an opaque cursor. It contains the sort key (creation time and id),
 * not a row offset, so it stays valid after the object it came from is deleted.
 */
export function encodeCursor(cursor: ObjectCursor): string {
  return Buffer.from(`${CURSOR_VERSION}:${cursor.createdAt}:${cursor.id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor made by `encodeCursor`; returns undefined when it is malformed. */
export function decodeCursor(text: string): ObjectCursor | undefined {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(text)) {
    return undefined;
  }
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^c1:(\d{1,17}):(.{1,200})$/s.exec(decoded);
  if (match === null) {
    return undefined;
  }
  const createdAt = Number(match[1]);
  if (!Number.isSafeInteger(createdAt)) {
    return undefined;
  }
  return { createdAt, id: match[2] as string };
}
