/** Retry a recording step (KV/stream writes) with a short backoff for about 20 s before giving up. */
export async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  let delay = 200;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + delay > deadline) throw err;
      await new Promise((r) => {
        setTimeout(r, delay);
      });
      delay = Math.min(delay * 2, 3000);
    }
  }
}
