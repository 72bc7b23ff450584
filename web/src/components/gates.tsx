import type { Blocker, Gate } from "../types.js";

const GATE_ICON: Record<string, string> = { passed: "✓", warning: "!", blocked: "×" };

/** Preview gates (SPEC §7.5): passed / warning / blocked with their detail. */
export function GateList({ gates }: { gates: Gate[] }) {
  return (
    <ul class="gates" aria-label="Gates">
      {gates.map((g) => (
        <li key={g.code} class={`gate gate-${g.status}`} data-gate={g.code} data-status={g.status}>
          <span class="gate-icon" aria-hidden="true">
            {GATE_ICON[g.status] ?? "•"}
          </span>
          <span>
            <strong>{g.title}</strong> <span class="sr-only">({g.status})</span>
            <span class="muted small block">{g.detail}</span>
          </span>
        </li>
      ))}
    </ul>
  );
}

/** Blockers with why and what to do next; nothing when there are none. */
export function BlockerList({ blockers }: { blockers: Blocker[] }) {
  if (blockers.length === 0) return null;
  return (
    <div class="blockers" role="alert">
      <strong>
        Blocked by {blockers.length} {blockers.length === 1 ? "blocker" : "blockers"}
      </strong>
      <ul>
        {blockers.map((b) => (
          <li key={b.code} data-blocker={b.code}>
            <strong>{b.message}</strong> <span class="muted">{b.why}</span>
            <span class="block small">→ {b.next_action}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
