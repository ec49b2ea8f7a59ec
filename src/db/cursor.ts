import { LaurelError } from '../errors';

/**
 * Keyset paging: a cursor names the last row of a page by its sort key (a timestamp as PostgreSQL
 * prints it, so no microseconds are lost to a JavaScript Date) and its id. Opaque to clients.
 */
export interface PageKey {
  at: string;
  id: string;
}

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify([key.at, key.id]), 'utf8').toString('base64url');
}

/** The key a cursor names; a cursor that is not one of ours is a validation error on `cursor`. */
export function decodeCursor(cursor: string): PageKey {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string'
      && /^\d{4}-\d\d-\d\d[ T][\d:.]+([+-]\d\d(:?\d\d)?|Z)?$/.test(value[0]) && /^[0-9a-f-]{36}$/i.test(value[1])) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through to the refusal
  }
  throw new LaurelError('ERR_VALIDATION', 'Invalid query: cursor: not a cursor this API returned.', { issues: [{ field: 'cursor', message: 'not a cursor this API returned' }] });
}

/** Splits the `limit + 1` rows a page query fetched into the page and the cursor of the next one. */
export function pageOf<R extends { page_at: string; id: string }>(rows: R[], limit: number): { rows: R[]; nextCursor: string | null } {
  if (rows.length <= limit) return { rows, nextCursor: null };
  const page = rows.slice(0, limit);
  const last = page[page.length - 1]!;
  return { rows: page, nextCursor: encodeCursor({ at: last.page_at, id: last.id }) };
}
