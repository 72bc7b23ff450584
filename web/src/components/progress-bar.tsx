/** An operation's progress (0–100) as an ARIA progress bar, red once the operation failed. */
export function ProgressBar({ percent, failed, small }: { percent: number; failed: boolean; small?: boolean }) {
  return (
    <div
      class={small ? "progress progress-sm" : "progress"}
      role="progressbar"
      aria-label="Operation progress"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
    >
      <div class={`progress-bar${failed ? " bad" : ""}`} style={{ width: `${percent}%` }} />
    </div>
  );
}
