// The one SSE hook every view shares: follows an op (EventSource + op JSON refresh + polling fallback) through
// OpStreamController and re-renders on each change.

import { useEffect, useRef, useState } from "preact/hooks";
import { getOp, opEventsUrl } from "../api.js";
import { OpStreamController, type EventSourceLike, type OpStreamSnapshot } from "../lib/op-stream.js";
import { emptyStream, isTerminal } from "../lib/timeline.js";

const browserDeps = {
  openEventSource: (url: string) => new EventSource(url, { withCredentials: true }) as unknown as EventSourceLike,
  fetchOp: (id: string) => getOp(id),
  eventsUrl: opEventsUrl,
  setTimer: (fn: () => void, ms: number) => setTimeout(fn, ms),
  clearTimer: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Ops this page started: their end is always reported (even when the first read already shows them finished). */
export const startedOps = new Set<string>();

const idle = (opId: string): OpStreamSnapshot => ({
  opId,
  op: null,
  stream: emptyStream(),
  transport: opId ? "connecting" : "closed",
  errors: 0,
});

/**
 * Follows `opId` (nothing when empty). `onSettled` runs once when the op reaches done/error while followed: the
 * first op JSON must show it queued/running, unless `assumeActive` says this page just started it.
 */
export function useOpStream(
  opId: string,
  onSettled?: (snap: OpStreamSnapshot) => void,
  assumeActive = false,
): OpStreamSnapshot {
  const [snap, setSnap] = useState<OpStreamSnapshot>(() => idle(opId));
  const settledRef = useRef(onSettled);
  settledRef.current = onSettled;
  const assumeRef = useRef(assumeActive);
  assumeRef.current = assumeActive;

  useEffect(() => {
    if (!opId) {
      setSnap(idle(""));
      return;
    }
    let wasActive: boolean | null = assumeRef.current || startedOps.has(opId) ? true : null;
    let settled = false;
    const ctrl = new OpStreamController(opId, browserDeps, (s) => {
      setSnap(s);
      if (!s.op) return;
      const terminal = isTerminal(s.op.status);
      if (wasActive === null) wasActive = !terminal;
      if (terminal && wasActive && !settled) {
        settled = true;
        startedOps.delete(opId); // reported once: a later mount of the same op does not report it again
        settledRef.current?.(s);
      }
    });
    setSnap(ctrl.snapshot);
    ctrl.start();
    return () => ctrl.stop();
  }, [opId]);

  return snap.opId === opId ? snap : idle(opId);
}
