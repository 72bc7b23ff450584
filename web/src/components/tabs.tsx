import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import { nextTabIndex } from "../lib/keys.js";

export interface TabDef<T extends string> {
  id: T;
  label: string;
}

interface TabsProps<T extends string> {
  label: string;
  tabs: TabDef<T>[];
  active: T;
  onChange: (id: T) => void;
  idPrefix: string;
  children: ComponentChildren;
}

/** WAI-ARIA tabs with automatic activation: ArrowLeft/ArrowRight wrap, Home/End jump. */
export function Tabs<T extends string>({ label, tabs, active, onChange, idPrefix, children }: TabsProps<T>) {
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const current = Math.max(
    0,
    tabs.findIndex((t) => t.id === active),
  );
  const onKeyDown = (e: KeyboardEvent) => {
    const next = nextTabIndex(e.key, current, tabs.length);
    if (next === null) return;
    e.preventDefault();
    onChange(tabs[next]!.id);
    refs.current[next]?.focus();
  };
  return (
    <div class="tabs">
      <div role="tablist" aria-label={label} class="tablist" onKeyDown={onKeyDown}>
        {tabs.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`${idPrefix}-tab-${t.id}`}
            aria-selected={t.id === active}
            aria-controls={`${idPrefix}-panel-${t.id}`}
            tabIndex={t.id === active ? 0 : -1}
            class={`tab${t.id === active ? " active" : ""}`}
            onClick={() => onChange(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${idPrefix}-panel-${active}`}
        aria-labelledby={`${idPrefix}-tab-${active}`}
        class="tabpanel"
        tabIndex={0}
      >
        {children}
      </div>
    </div>
  );
}
