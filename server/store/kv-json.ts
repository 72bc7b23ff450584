import type { KV } from "@nats-io/kv";

/** A JSON value with the KV revision it was read at. */
export interface Versioned<T> {
  value: T;
  revision: number;
}

/** Raised when a compare-and-swap lost against a concurrent writer. */
export class RevisionConflictError extends Error {
  constructor(key: string, options: { cause?: unknown } = {}) {
    super(`revision conflict on ${key}`, { cause: options.cause });
    this.name = "RevisionConflictError";
  }
}

function isWrongSequence(err: unknown): boolean {
  const msg = (err as Error)?.message ?? "";
  return /wrong last sequence|key exists|10071|10164/i.test(msg);
}

/** Read a JSON value; null when absent or deleted. */
export async function getJson<T>(kv: KV, key: string): Promise<Versioned<T> | null> {
  const e = await kv.get(key);
  if (e?.operation !== "PUT" || e.value.length === 0) return null;
  return { value: e.json<T>(), revision: e.revision };
}

/** Atomic create; RevisionConflictError when the key exists. */
export async function createJson<T>(kv: KV, key: string, value: T): Promise<number> {
  try {
    return await kv.create(key, JSON.stringify(value));
  } catch (err) {
    if (isWrongSequence(err)) throw new RevisionConflictError(key, { cause: err });
    throw err;
  }
}

/** Compare-and-swap write at `revision`; RevisionConflictError when someone wrote first. */
export async function updateJson<T>(kv: KV, key: string, value: T, revision: number): Promise<number> {
  try {
    return await kv.update(key, JSON.stringify(value), revision);
  } catch (err) {
    if (isWrongSequence(err)) throw new RevisionConflictError(key, { cause: err });
    throw err;
  }
}

/**
 * Read-modify-write with CAS, retried on conflict. `mutate` returns the new value, or undefined to leave
 * the record as it is. Returns the value in force afterwards (null when the key is absent).
 */
export async function casUpdate<T>(
  kv: KV,
  key: string,
  mutate: (current: T | null) => T | undefined,
  attempts = 50,
  known?: Versioned<T>,
): Promise<Versioned<T> | null> {
  let hint = known;
  for (let i = 0; i < attempts; i++) {
    // A version the caller just read or wrote saves the first read: a stale one fails the CAS and the loop reads.
    // It only stands in for the read before a write — "no change" is decided on the stored value.
    const cur = hint ?? (await getJson<T>(kv, key));
    const fromHint = hint !== undefined;
    hint = undefined;
    const next = mutate(cur ? cur.value : null);
    if (next === undefined) {
      if (fromHint) continue;
      return cur;
    }
    try {
      const revision = cur ? await updateJson(kv, key, next, cur.revision) : await createJson(kv, key, next);
      return { value: next, revision };
    } catch (err) {
      if (!(err instanceof RevisionConflictError)) throw err;
    }
  }
  throw new RevisionConflictError(key);
}

/** List keys matching a filter. */
export async function listKeys(kv: KV, filter: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of await kv.keys(filter)) out.push(k);
  return out;
}
