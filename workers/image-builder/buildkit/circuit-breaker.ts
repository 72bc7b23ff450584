import { TransientStepError } from "../../types.js";

/** Raised instead of connecting while an address's circuit is open (transient: the step retries later). */
export class CircuitOpenError extends TransientStepError {
  readonly addr: string;
  constructor(addr: string, lastError: string) {
    super(`buildkit circuit open for ${addr}: ${lastError}`);
    this.name = "CircuitOpenError";
    this.addr = addr;
  }
}

export interface CircuitBreakerOptions {
  /** Consecutive connection failures that open the circuit (default 3). */
  threshold?: number;
  /** How long an open circuit fails fast (default 30 s). */
  openMs?: number;
  /** Clock in ms (injected by tests). */
  now?: () => number;
}

/**
 * Per-address circuit breaker: after `threshold` consecutive connection failures every attempt fails fast for
 * `openMs`; afterwards one attempt goes through (half-open): a failure re-opens at once, a success resets.
 */
export class CircuitBreaker {
  readonly addr: string;
  private readonly threshold: number;
  private readonly openMs: number;
  private readonly now: () => number;
  private failures = 0;
  private openUntil = 0;
  private lastError = "";

  constructor(addr: string, opts: CircuitBreakerOptions = {}) {
    this.addr = addr;
    this.threshold = opts.threshold ?? 3;
    this.openMs = opts.openMs ?? 30_000;
    this.now = opts.now ?? Date.now;
  }

  get state(): "closed" | "open" | "half-open" {
    if (this.failures < this.threshold) return "closed";
    return this.now() < this.openUntil ? "open" : "half-open";
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Throws `CircuitOpenError` while open. */
  check(): void {
    if (this.state === "open") throw new CircuitOpenError(this.addr, this.lastError);
  }

  recordFailure(error: string): void {
    this.failures++;
    this.lastError = error;
    if (this.failures >= this.threshold) this.openUntil = this.now() + this.openMs;
  }

  recordSuccess(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.lastError = "";
  }
}

const breakers = new Map<string, CircuitBreaker>();

/** The process-wide breaker of one address. */
export function breakerFor(addr: string): CircuitBreaker {
  let b = breakers.get(addr);
  if (!b) {
    b = new CircuitBreaker(addr);
    breakers.set(addr, b);
  }
  return b;
}

/** Forget every process-wide breaker (tests). */
export function resetBreakers(): void {
  breakers.clear();
}
