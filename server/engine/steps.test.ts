import { describe, expect, it } from "vitest";
import type { WorkerName } from "../../workers/types.js";
import { STEP_ORDER, consumerGroup, retryDelayMs, workSubject } from "./steps.js";

const zero = () => 0;
const one = () => 1;
const half = () => 0.5;

describe("retryDelayMs — min(30 s, 1 s × 2^(k-1)) × uniform(0.8, 1.2) (SPEC §3.6)", () => {
  const expected: Array<[number, number, number]> = [
    // k, lower bound (random 0), upper bound (random 1)
    [1, 800, 1200],
    [2, 1600, 2400],
    [3, 3200, 4800],
    [4, 6400, 9600],
    [5, 12_800, 19_200],
    [6, 24_000, 36_000], // 2^5 s = 32 s, capped at 30 s
    [7, 24_000, 36_000],
  ];

  it.each(expected)("k=%i: %i..%i ms", (k, lo, hi) => {
    expect(retryDelayMs(k, zero)).toBe(lo);
    expect(retryDelayMs(k, one)).toBe(hi);
    expect(retryDelayMs(k, half)).toBe(Math.min(30_000, 1000 * 2 ** (k - 1)));
  });

  it("caps at 30 s × 0.8..1.2 for large attempts", () => {
    for (const k of [6, 8, 10, 20, 64]) {
      expect(retryDelayMs(k, zero)).toBe(24_000);
      expect(retryDelayMs(k, one)).toBe(36_000);
      expect(retryDelayMs(k, half)).toBe(30_000);
    }
  });

  it("stays inside the jitter bounds for the default Math.random", () => {
    for (let k = 1; k <= 7; k++) {
      const base = Math.min(30_000, 1000 * 2 ** (k - 1));
      for (let i = 0; i < 50; i++) {
        const d = retryDelayMs(k);
        expect(d).toBeGreaterThanOrEqual(base * 0.8);
        expect(d).toBeLessThanOrEqual(base * 1.2);
      }
    }
  });

  it("returns whole milliseconds", () => {
    expect(Number.isInteger(retryDelayMs(3, () => 0.123456))).toBe(true);
  });
});

describe("STEP_ORDER (SPEC §3.1)", () => {
  it("lists the steps of every kind in order", () => {
    const reg = ["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer"];
    const promoter = ["promoter.plan", "promoter.render", "promoter.commit", "promoter.finalize"];
    expect(STEP_ORDER.create).toEqual(reg);
    expect(STEP_ORDER.update).toEqual(reg);
    expect(STEP_ORDER.delete).toEqual(reg);
    expect(STEP_ORDER.ci).toEqual(["imageBuilder", "manifestRenderer"]);
    expect(STEP_ORDER.deploy).toEqual(["deployer"]);
    expect(STEP_ORDER.promote).toEqual(promoter);
    expect(STEP_ORDER.release).toEqual(promoter);
    expect(STEP_ORDER.rollback).toEqual(promoter);
  });
});

describe("workSubject (SPEC §3.7)", () => {
  it.each<[WorkerName, string]>([
    ["registrar", "paas.work.registrar"],
    ["repoBootstrap", "paas.work.repoBootstrap"],
    ["imageBuilder", "paas.work.imageBuilder"],
    ["manifestRenderer", "paas.work.manifestRenderer"],
    ["deployer", "paas.work.deployer"],
    ["promoter.plan", "paas.work.promoter.plan"],
    ["promoter.render", "paas.work.promoter.render"],
    ["promoter.commit", "paas.work.promoter.commit"],
    ["promoter.finalize", "paas.work.promoter.finalize"],
  ])("%s → %s", (worker, subject) => {
    expect(workSubject(worker)).toBe(subject);
  });
});

describe("consumerGroup (SPEC §3.7)", () => {
  it.each<WorkerName>(["registrar", "repoBootstrap", "imageBuilder", "manifestRenderer", "deployer"])(
    "%s has its own durable consumer filtered on its subject",
    (worker) => {
      expect(consumerGroup(worker)).toEqual({ durable: `worker_${worker}`, filter: `paas.work.${worker}` });
    },
  );

  it.each<WorkerName>(["promoter.plan", "promoter.render", "promoter.commit", "promoter.finalize"])(
    "%s shares worker_promoter filtered on paas.work.promoter.>",
    (worker) => {
      expect(consumerGroup(worker)).toEqual({ durable: "worker_promoter", filter: "paas.work.promoter.>" });
    },
  );

  it("every step's subject is matched by its group's filter", () => {
    const all = new Set(Object.values(STEP_ORDER).flat());
    for (const w of all) {
      const { filter } = consumerGroup(w);
      const subject = workSubject(w);
      if (filter.endsWith(".>")) expect(subject.startsWith(filter.slice(0, -1)), w).toBe(true);
      else expect(subject).toBe(filter);
    }
  });
});
