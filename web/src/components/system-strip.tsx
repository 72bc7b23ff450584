import { systemFacts } from "../lib/system.js";
import type { SystemInfo } from "../types.js";

export function SystemStrip({
  system,
  counts,
}: {
  system: SystemInfo | null;
  counts: { total: number; ready: number };
}) {
  const facts = systemFacts(system, counts);
  return (
    <section class="system-strip" aria-label="System">
      <dl class="facts">
        {facts.map((f) => (
          <div class={`fact${f.tone ? ` fact-${f.tone}` : ""}`} key={f.label} title={f.title || undefined}>
            <dt>{f.label}</dt>
            <dd>{f.value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
