import { useEffect, useState } from "preact/hooks";
import { describeError } from "../lib/errors.js";
import { appendPage, firstPage, refreshFirstPage, type Paged } from "../lib/pages.js";
import type { Page } from "../types.js";

export interface PagedListOptions<T> {
  /** Reads one page: the newest without a cursor, older ones with the cursor of the page before. */
  fetchPage: (cursor?: string) => Promise<Page<T>>;
  key: (item: T) => string;
  /** Re-read the first page whenever one of these changes (as a `useEffect` dependency list). */
  deps: readonly unknown[];
  /** Keep the older pages already loaded when the first page is re-read (else the list starts over). */
  keepOlder?: boolean;
  /** Called with each first page that arrives (not for older pages). */
  onFirstPage?: (page: Page<T>) => void;
}

export interface PagedList<T> {
  /** null until the first page arrived. */
  list: Paged<T> | null;
  error: string | null;
  /** The first page is being (re-)read. */
  loading: boolean;
  /** An older page is being read. */
  loadingOlder: boolean;
  /** Appends the next older page; a no-op without a cursor. */
  older: () => Promise<void>;
}

/** A cursor-paged list with "Load older" (operation history, release timelines, the audit log). */
export function usePagedList<T>(o: PagedListOptions<T>): PagedList<T> {
  const [list, setList] = useState<Paged<T> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);

  useEffect(() => {
    let live = true;
    setLoading(true);
    o.fetchPage()
      .then((page) => {
        if (!live) return;
        setList((old) => (o.keepOlder ? refreshFirstPage(old, page, o.key) : firstPage(page)));
        setError(null);
        o.onFirstPage?.(page);
      })
      .catch((err) => live && setError(describeError(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, o.deps);

  const older = async () => {
    if (!list?.nextCursor) return;
    setLoadingOlder(true);
    try {
      const page = await o.fetchPage(list.nextCursor);
      setList((l) => appendPage(l ?? { items: [] }, page, o.key));
    } catch (err) {
      setError(describeError(err));
    } finally {
      setLoadingOlder(false);
    }
  };

  return { list, error, loading, loadingOlder, older };
}
