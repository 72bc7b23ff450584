// Cursor-paged lists ("Load older"): append a page without duplicates.

export interface Paged<T> {
  items: T[];
  nextCursor?: string;
}

export function firstPage<T>(page: { items?: T[]; next_cursor?: string }): Paged<T> {
  return { items: page.items ?? [], nextCursor: page.next_cursor || undefined };
}

/** Appends `page` to `list`; items whose key is already present are skipped (a page boundary that moved). */
export function appendPage<T>(
  list: Paged<T>,
  page: { items?: T[]; next_cursor?: string },
  key: (t: T) => string,
): Paged<T> {
  const seen = new Set(list.items.map(key));
  const fresh = (page.items ?? []).filter((t) => !seen.has(key(t)));
  return { items: [...list.items, ...fresh], nextCursor: page.next_cursor || undefined };
}

/**
 * A re-read first page merged into a list that may hold older pages: the fresh page's items first, then the older
 * items it does not contain; the older cursor is kept when older pages were loaded.
 */
export function refreshFirstPage<T>(
  list: Paged<T> | null,
  page: { items?: T[]; next_cursor?: string },
  key: (t: T) => string,
): Paged<T> {
  const fresh = firstPage(page);
  if (!list || list.items.length <= fresh.items.length) return fresh;
  const seen = new Set(fresh.items.map(key));
  return { items: [...fresh.items, ...list.items.filter((t) => !seen.has(key(t)))], nextCursor: list.nextCursor };
}
