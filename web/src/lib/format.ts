// Small display helpers shared by every view.

/** SPEC §0.2: a time that was never set is serialised as the zero time. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

export function isZeroTime(t: string | undefined | null): boolean {
  return !t || t.startsWith("0001-01-01");
}

/** "12s ago", "5m ago", "3h ago", "2d ago"; "—" for a missing or zero time. */
export function timeAgo(iso: string | undefined, now: number): string {
  if (isZeroTime(iso)) return "—";
  const t = Date.parse(iso!);
  if (Number.isNaN(t)) return "—";
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ago`;
  return `${Math.floor(h / 24)}d ago`;
}

/** Local date and time for a tooltip or table cell. */
export function formatTime(iso: string | undefined): string {
  if (isZeroTime(iso)) return "—";
  const t = Date.parse(iso!);
  return Number.isNaN(t) ? iso! : new Date(t).toLocaleString();
}

/** SPEC §0.1 short12. */
export const short12 = (s: string | undefined) => (s ?? "").slice(0, 12);

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m ${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** Milliseconds between two RFC 3339 times, or undefined when either is missing/zero. */
export function durationBetween(start: string | undefined, end: string | undefined): number | undefined {
  if (isZeroTime(start) || isZeroTime(end)) return undefined;
  const d = Date.parse(end!) - Date.parse(start!);
  return Number.isFinite(d) && d >= 0 ? d : undefined;
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
