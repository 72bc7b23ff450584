const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parse `<int><unit>` with unit ms|s|m|h (SPEC §1) into milliseconds; null when malformed. */
export function parseDuration(raw: string): number | null {
  const m = /^(\d+)(ms|s|m|h)$/.exec(raw.trim());
  if (!m) return null;
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Print a duration as `<n>s` when whole seconds, else `<n>ms` (SPEC §12.2). */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
