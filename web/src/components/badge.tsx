import { phaseTone, statusTone, type Tone } from "../lib/apps.js";

export function Badge({ tone, label, title }: { tone: Tone; label: string; title?: string }) {
  return (
    <span class={`badge badge-${tone}`} title={title}>
      <span class="badge-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

export const PhaseBadge = ({ phase, title }: { phase: string | undefined; title?: string }) => (
  <Badge tone={phaseTone(phase)} label={phase || "Unknown"} title={title} />
);

export const StatusBadge = ({ status }: { status: string | undefined }) => (
  <Badge tone={statusTone(status)} label={status || "unknown"} />
);

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" aria-hidden="true">
      <rect width="32" height="32" rx="7" />
      <path d="M8 21h16l-3 4H11z" />
      <path d="M15 7v12h-6zM17 10v9h5z" />
    </svg>
  );
}
