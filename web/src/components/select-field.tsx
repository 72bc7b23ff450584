export interface SelectOption<V extends string> {
  value: V;
  label?: string;
}

interface SelectFieldProps<V extends string> {
  label: string;
  /** Only for screen readers (the select's `aria-label` says what it does). */
  hideLabel?: boolean;
  ariaLabel?: string;
  name?: string;
  value: V;
  /** Plain strings are their own labels. */
  options: readonly (V | SelectOption<V>)[];
  /** A first, empty choice ("choose…", "All …"). */
  placeholder?: string;
  class?: string;
  onChange: (value: V) => void;
}

/** A labelled `<select>` field. */
export function SelectField<V extends string>(p: SelectFieldProps<V>) {
  return (
    <label class={p.class ?? "field"}>
      <span class={p.hideLabel ? "sr-only" : undefined}>{p.label}</span>
      <select
        name={p.name}
        aria-label={p.ariaLabel}
        value={p.value}
        onChange={(e) => p.onChange(e.currentTarget.value as V)}
      >
        {p.placeholder !== undefined ? <option value="">{p.placeholder}</option> : null}
        {p.options.map((o) => {
          const { value, label } = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option key={value} value={value}>
              {label ?? value}
            </option>
          );
        })}
      </select>
    </label>
  );
}
