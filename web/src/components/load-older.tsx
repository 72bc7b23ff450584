import type { PagedList } from "../hooks/use-paged-list.js";

/** The "Load older" button of a cursor-paged list; nothing once the oldest page is loaded. */
export function LoadOlder<T>({ paged, small }: { paged: PagedList<T>; small?: boolean }) {
  if (!paged.list?.nextCursor) return null;
  return (
    <button
      type="button"
      class={small ? "btn btn-small" : "btn"}
      onClick={() => void paged.older()}
      disabled={paged.loadingOlder}
    >
      {paged.loadingOlder ? "Loading…" : "Load older"}
    </button>
  );
}
