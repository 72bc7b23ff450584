/** "Type <phrase> to confirm" (delete, promote, release): the input a destructive or shipping action waits for. */
export function TypedConfirmation({
  name,
  phrase,
  value,
  onInput,
  invalid,
}: {
  name: string;
  phrase: string;
  value: string;
  onInput: (value: string) => void;
  /** Marks the input invalid (typed, but not the phrase). */
  invalid?: boolean;
}) {
  return (
    <label class="field">
      <span>
        Type <kbd class="phrase">{phrase}</kbd> to confirm
      </span>
      <input
        name={name}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        autoComplete="off"
        spellcheck={false}
        aria-invalid={invalid}
        data-autofocus
      />
    </label>
  );
}
