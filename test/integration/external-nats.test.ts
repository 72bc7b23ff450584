import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { NatsSupervisor } from "../../server/broker/index.js";
import { call, SAMPLE_SPEC, waitForOp } from "../support/api.js";
import { makeDirs, startSlipway, type Dirs, type SlipwayProcess } from "../support/slipway-process.js";

const quiet = { info() {}, warn() {}, error() {} };
let dirs: Dirs;
let nats: NatsSupervisor;
let url: string;
let sw: SlipwayProcess;

beforeAll(async () => {
  dirs = await makeDirs();
  // A nats-server Slipway does not own, as an operator would run it.
  nats = new NatsSupervisor({
    bin: "nats-server",
    searchPath: process.env.PATH ?? "",
    storeDir: join(dirs.root, "external-nats"),
    sync: "always",
    log: quiet,
  });
  url = await nats.start();
  sw = await startSlipway(dirs, { PAAS_NATS_URL: url });
});

afterAll(async () => {
  await sw?.stop();
  await nats?.stop();
  await dirs?.cleanup();
});

describe("external NATS (PAAS_NATS_URL)", () => {
  it("starts no child, reports external mode, and runs the pipeline", async () => {
    expect(sw.logs()).not.toContain("NATS store dir:");
    const sys = await call(sw.base, "GET", "/api/system");
    expect(sys.body.nats).toEqual({
      embedded: false,
      mode: "external",
      url,
      server_version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    const r = await call(sw.base, "POST", "/api/events/registration", {
      action: "create",
      project_id: "ext",
      spec: SAMPLE_SPEC,
    });
    expect(r.status).toBe(202);
    expect((await waitForOp(sw.base, r.body.op.id)).status).toBe("done");
  });

  it("keeps state in the external server across Slipway restarts", async () => {
    expect(await sw.stop()).toBe(0);
    sw = await startSlipway(dirs, { PAAS_NATS_URL: url });
    expect((await call(sw.base, "GET", "/api/projects/ext")).body.status.phase).toBe("Ready");
  });
});
