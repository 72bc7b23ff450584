import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { renderServerConfig, versionAtLeast } from "./supervisor.js";

const run = promisify(execFile);

describe("versionAtLeast", () => {
  it.each([
    ["2.10.0", "2.10.0", true],
    ["2.10.1", "2.10.0", true],
    ["2.11.0", "2.10.0", true],
    ["2.12.3", "2.10.0", true],
    ["3.0.0", "2.10.0", true],
    ["10.0.0", "2.10.0", true],
    ["2.9.10", "2.10.0", false],
    ["2.9.99", "2.10.0", false],
    ["2.2.0", "2.10.0", false], // numeric, not lexical
    ["1.99.99", "2.10.0", false],
    ["0.0.0", "2.10.0", false],
    ["2.10", "2.10.0", true], // a missing part counts as 0
    ["2", "2.10.0", false],
  ])("%s ≥ %s is %s", (a, b, want) => {
    expect(versionAtLeast(a, b)).toBe(want);
  });
});

describe("renderServerConfig (SPEC §3.8)", () => {
  const base = { port: -1, storeDir: "/var/lib/slipway/nats", portsDir: "/tmp/slipway-nats-x/ports" };

  it("names the server, listens on 127.0.0.1 and enables JetStream with the store dir", () => {
    const conf = renderServerConfig(base);
    expect(conf).toContain('server_name: "slipway-embedded"');
    expect(conf).toContain('listen: "127.0.0.1:-1"');
    expect(conf).toContain('ports_file_dir: "/tmp/slipway-nats-x/ports"');
    expect(conf).toMatch(/jetstream \{\n {2}store_dir: "\/var\/lib\/slipway\/nats"\n\}\n$/);
  });

  it("uses a fixed port on restart", () => {
    expect(renderServerConfig({ ...base, port: 42123 })).toContain('listen: "127.0.0.1:42123"');
  });

  it("omits sync_interval when no sync is given (servers older than 2.10.0)", () => {
    expect(renderServerConfig(base)).not.toContain("sync_interval");
  });

  it("includes sync_interval inside the jetstream block when given", () => {
    const always = renderServerConfig({ ...base, sync: "always" });
    expect(always).toMatch(/jetstream \{[^}]*\n {2}sync_interval: "always"\n\}/);
    expect(renderServerConfig({ ...base, sync: "2m" })).toContain('sync_interval: "2m"');
  });

  it("quotes paths so spaces and quotes survive", () => {
    const conf = renderServerConfig({ ...base, storeDir: '/data/my "store" dir' });
    expect(conf).toContain('store_dir: "/data/my \\"store\\" dir"');
  });

  it("is accepted by the installed nats-server (-t), when one is available", async () => {
    let version = "";
    try {
      const { stdout } = await run("nats-server", ["--version"], { timeout: 5000 });
      version = /(\d+\.\d+\.\d+)/.exec(stdout)?.[1] ?? "";
    } catch {
      return; // no nats-server on PATH: nothing to check
    }
    const dir = await mkdtemp(join(tmpdir(), "slipway-supervisor-test-"));
    try {
      const conf = join(dir, "nats.conf");
      const opts = { port: -1, storeDir: join(dir, "store"), portsDir: join(dir, "ports") };
      await writeFile(conf, renderServerConfig(opts));
      await expect(run("nats-server", ["-c", conf, "-t"], { timeout: 5000 })).resolves.toBeDefined();
      if (versionAtLeast(version, "2.10.0")) {
        await writeFile(conf, renderServerConfig({ ...opts, sync: "always" }));
        await expect(run("nats-server", ["-c", conf, "-t"], { timeout: 5000 })).resolves.toBeDefined();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
