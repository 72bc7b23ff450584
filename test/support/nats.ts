import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatsSupervisor } from "../../server/broker/index.js";

/** A logger that drops everything (the stores and the supervisor take one). */
export const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A private, real nats-server with JetStream (fsync always) in its own temp dir. */
export interface TestBroker {
  /** The temp dir; the server's store is `<dir>/nats`, the rest is free for the test. */
  dir: string;
  url: string;
  /** Stop the server and remove the temp dir. */
  stop(): Promise<void>;
}

export async function startTestBroker(name: string): Promise<TestBroker> {
  const dir = await mkdtemp(join(tmpdir(), `slipway-${name}-`));
  const supervisor = new NatsSupervisor({
    bin: "nats-server",
    searchPath: process.env.PATH ?? "",
    storeDir: join(dir, "nats"),
    sync: "always",
    log: quiet,
  });
  const url = await supervisor.start();
  return {
    dir,
    url,
    stop: async () => {
      await supervisor.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
