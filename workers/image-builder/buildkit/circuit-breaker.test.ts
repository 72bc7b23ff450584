import { describe, expect, it } from "vitest";
import { StepError } from "../../types.js";
import { breakerFor, CircuitBreaker, CircuitOpenError, resetBreakers } from "./circuit-breaker.js";

describe("CircuitBreaker", () => {
  it("opens after 3 consecutive failures, fails fast for 30 s, then lets one attempt through", () => {
    let now = 1_000_000;
    const b = new CircuitBreaker("unix:///x.sock", { now: () => now });
    b.recordFailure("connect ENOENT /x.sock");
    b.recordFailure("connect ENOENT /x.sock");
    expect(b.state).toBe("closed");
    expect(() => b.check()).not.toThrow();
    b.recordFailure("connect ECONNREFUSED /x.sock");
    expect(b.state).toBe("open");
    let err: unknown;
    try {
      b.check();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(err).toBeInstanceOf(StepError);
    expect((err as StepError).transient).toBe(true);
    expect((err as Error).message).toBe("buildkit circuit open for unix:///x.sock: connect ECONNREFUSED /x.sock");

    now += 29_999;
    expect(() => b.check()).toThrow(CircuitOpenError);
    now += 1;
    expect(b.state).toBe("half-open");
    expect(() => b.check()).not.toThrow();
    // The half-open attempt fails: open again at once for another 30 s.
    b.recordFailure("connect ECONNREFUSED /x.sock");
    expect(() => b.check()).toThrow(CircuitOpenError);
    now += 30_000;
    expect(() => b.check()).not.toThrow();
    b.recordSuccess();
    expect(b.state).toBe("closed");
    expect(b.consecutiveFailures).toBe(0);
  });

  it("a success resets the count, so failures must be consecutive", () => {
    const b = new CircuitBreaker("tcp://h:1", { now: () => 0 });
    b.recordFailure("a");
    b.recordFailure("b");
    b.recordSuccess();
    b.recordFailure("c");
    b.recordFailure("d");
    expect(() => b.check()).not.toThrow();
    b.recordFailure("e");
    expect(() => b.check()).toThrow("buildkit circuit open for tcp://h:1: e");
  });

  it("honours custom threshold and window", () => {
    let now = 0;
    const b = new CircuitBreaker("tcp://h:1", { threshold: 1, openMs: 10, now: () => now });
    b.recordFailure("x");
    expect(b.state).toBe("open");
    now = 10;
    expect(b.state).toBe("half-open");
  });

  it("keeps one breaker per address", () => {
    resetBreakers();
    expect(breakerFor("unix:///a")).toBe(breakerFor("unix:///a"));
    expect(breakerFor("unix:///a")).not.toBe(breakerFor("unix:///b"));
    resetBreakers();
  });
});
