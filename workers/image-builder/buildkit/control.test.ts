import { describe, expect, it } from "vitest";
import {
  controlPath,
  decodeListWorkersResponse,
  decodeSolveRequest,
  decodeSolveResponse,
  decodeStatusRequest,
  decodeStatusResponse,
  encodeListWorkersRequest,
  encodeListWorkersResponse,
  encodeSolveRequest,
  encodeSolveResponse,
  encodeStatusRequest,
  encodeStatusResponse,
  type ListWorkersResponse,
  type StatusResponse,
} from "./control.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const ascii = (s: string) => Buffer.from(s, "utf8").toString("hex");
/** A length-delimited field: tag byte, one-byte length, payload. */
const ld = (tag: number, payload: Buffer) => {
  if (payload.length > 127) throw new Error("test helper handles short fields only");
  return Buffer.concat([Buffer.from([tag, payload.length]), payload]);
};
const s = (v: string) => Buffer.from(v, "utf8");

describe("SolveRequest wire format (control.proto field numbers)", () => {
  it("encodes to the upstream field numbers, single-exporter form", () => {
    const bytes = Buffer.from(
      encodeSolveRequest({
        ref: "r1",
        exporter: "moby",
        exporterAttrs: { name: "x" },
        session: "s",
        frontend: "dockerfile.v0",
        frontendAttrs: { context: "http://h/c.tar" },
      }),
    );
    const expected = hex(
      // 1 Ref
      `0a 02 ${ascii("r1")}` +
        // 3 Exporter
        `1a 04 ${ascii("moby")}` +
        // 4 ExporterAttrs map entry {1: key, 2: value}
        `22 09 0a 04 ${ascii("name")} 12 01 ${ascii("x")}` +
        // 5 Session
        `2a 01 ${ascii("s")}` +
        // 6 Frontend
        `32 0d ${ascii("dockerfile.v0")}` +
        // 7 FrontendAttrs map entry
        `3a 19 0a 07 ${ascii("context")} 12 0e ${ascii("http://h/c.tar")}`,
    );
    expect(bytes.toString("hex")).toBe(expected.toString("hex"));
  });

  it("omits unset fields and round-trips", () => {
    expect(Buffer.from(encodeSolveRequest({ ref: "" })).length).toBe(0);
    const req = {
      ref: "abc",
      exporter: "image",
      exporterAttrs: { name: "local/app:123456789012", push: "false" },
      session: "",
      frontend: "dockerfile.v0",
      frontendAttrs: { context: "http://127.0.0.1:1/_build/context/t.tar", filename: "Dockerfile" },
      entitlements: ["network.host"],
    };
    expect(decodeSolveRequest(encodeSolveRequest(req))).toEqual(req);
  });

  it("decodes a hand-made request with Definition (2) and Cache (8) fields it does not model", () => {
    const bytes = Buffer.concat([
      ld(0x0a, s("ref")),
      ld(0x12, hex("0a 00")), // 2 Definition (skipped)
      ld(0x1a, s("moby")),
      ld(0x42, hex("")), // 8 CacheOptions (skipped)
      ld(0x4a, s("security.insecure")), // 9 Entitlements
    ]);
    expect(decodeSolveRequest(bytes)).toMatchObject({
      ref: "ref",
      exporter: "moby",
      entitlements: ["security.insecure"],
    });
  });
});

describe("SolveResponse / StatusRequest / ListWorkersRequest", () => {
  it("decodes ExporterResponse (field 1 map)", () => {
    const entry = Buffer.concat([ld(0x0a, s("containerimage.digest")), ld(0x12, s("sha256:abc"))]);
    expect(decodeSolveResponse(ld(0x0a, entry))).toEqual({
      exporterResponse: { "containerimage.digest": "sha256:abc" },
    });
    const r = { exporterResponse: { a: "1", "image.name": "local/x:y" } };
    expect(decodeSolveResponse(encodeSolveResponse(r))).toEqual(r);
  });

  it("StatusRequest.Ref is field 1; ListWorkersRequest.filter is field 1", () => {
    expect(Buffer.from(encodeStatusRequest("ref1")).toString("hex")).toBe(`0a04${ascii("ref1")}`);
    expect(decodeStatusRequest(encodeStatusRequest("ref1"))).toEqual({ ref: "ref1" });
    expect(Buffer.from(encodeListWorkersRequest()).length).toBe(0);
    expect(Buffer.from(encodeListWorkersRequest(["a"])).toString("hex")).toBe(`0a01${ascii("a")}`);
  });
});

describe("StatusResponse wire format", () => {
  it("decodes hand-made vertexes, statuses, logs and warnings", () => {
    // google.protobuf.Timestamp {seconds: 1700000000, nanos: 500000000}
    const ts = hex("08 80 e2 cf aa 06 10 80 ca b5 ee 01");
    const vertex = Buffer.concat([
      ld(0x0a, s("sha256:aa")), // 1 digest
      ld(0x12, s("sha256:bb")), // 2 inputs
      ld(0x1a, s("[1/1] COPY a /")), // 3 name
      hex("20 01"), // 4 cached
      ld(0x2a, ts), // 5 started
      ld(0x32, ts), // 6 completed
      ld(0x3a, s("boom")), // 7 error
      ld(0x42, hex("0a 01 31")), // 8 progressGroup (newer daemons; skipped)
    ]);
    const status = Buffer.concat([
      ld(0x0a, s("exporting layers")), // 1 ID
      ld(0x12, s("sha256:aa")), // 2 vertex
      hex("20 ac 02"), // 4 current = 300
      hex("28 80 80 80 80 10"), // 5 total = 2^32 (int64)
      ld(0x32, ts), // 6 timestamp
    ]);
    const log = Buffer.concat([
      ld(0x0a, s("sha256:aa")), // 1 vertex
      ld(0x12, ts), // 2 timestamp
      hex("18 02"), // 3 stream = stderr
      ld(0x22, s("hi\nthere")), // 4 msg (bytes)
    ]);
    const warning = Buffer.concat([
      ld(0x0a, s("sha256:aa")),
      hex("10 01"), // 2 level
      ld(0x1a, s("short")), // 3 short
      ld(0x22, s("d1")), // 4 detail (repeated bytes)
      ld(0x22, s("d2")),
      ld(0x2a, s("https://docs")), // 5 url
    ]);
    const bytes = Buffer.concat([ld(0x0a, vertex), ld(0x12, status), ld(0x1a, log), ld(0x22, warning)]);
    const d = decodeStatusResponse(bytes);
    const at = new Date(1_700_000_000_500);
    expect(d.vertexes).toEqual([
      {
        digest: "sha256:aa",
        inputs: ["sha256:bb"],
        name: "[1/1] COPY a /",
        cached: true,
        started: at,
        completed: at,
        error: "boom",
      },
    ]);
    expect(d.statuses).toEqual([
      {
        id: "exporting layers",
        vertex: "sha256:aa",
        name: "",
        current: 300,
        total: 2 ** 32,
        timestamp: at,
        started: undefined,
        completed: undefined,
      },
    ]);
    expect(d.logs).toHaveLength(1);
    expect(d.logs[0]).toMatchObject({ vertex: "sha256:aa", stream: 2, timestamp: at });
    expect(d.logs[0].msg.toString()).toBe("hi\nthere");
    expect(d.warnings[0]).toMatchObject({ vertex: "sha256:aa", level: 1, url: "https://docs" });
    expect(d.warnings[0].short.toString()).toBe("short");
    expect(d.warnings[0].detail.map(String)).toEqual(["d1", "d2"]);
  });

  it("round-trips and decodes an empty message", () => {
    expect(decodeStatusResponse(Buffer.alloc(0))).toEqual({ vertexes: [], statuses: [], logs: [], warnings: [] });
    const at = new Date(1_700_000_123_456);
    const msg: StatusResponse = {
      vertexes: [
        { digest: "sha256:1", inputs: [], name: "v1", cached: false, started: at, completed: undefined, error: "" },
      ],
      statuses: [],
      logs: [{ vertex: "sha256:1", timestamp: at, stream: 1, msg: Buffer.from("line\n") }],
      warnings: [],
    };
    expect(decodeStatusResponse(encodeStatusResponse(msg))).toEqual(msg);
  });
});

describe("ListWorkersResponse wire format (worker.proto / ops.proto Platform)", () => {
  it("decodes a hand-made record", () => {
    const bytes = hex(
      "0a 23" + // 1 record (35 bytes)
        `0a 04 ${ascii("moby")}` + // 1 ID
        `12 0b 0a 02 ${ascii("os")} 12 05 ${ascii("linux")}` + // 2 Labels entry
        `1a 0e 0a 05 ${ascii("amd64")} 12 05 ${ascii("linux")}`, // 3 platforms {1 Architecture, 2 OS}
    );
    expect(decodeListWorkersResponse(bytes)).toEqual({
      record: [{ id: "moby", labels: { os: "linux" }, platforms: [{ architecture: "amd64", os: "linux" }] }],
    });
  });

  it("round-trips, skipping GCPolicy (4) and BuildkitVersion (5) it does not model", () => {
    const res: ListWorkersResponse = {
      record: [
        { id: "w1", labels: {}, platforms: [{ architecture: "arm", os: "linux", variant: "v7" }] },
        { id: "w2", labels: { a: "b" }, platforms: [] },
      ],
    };
    const bytes = Buffer.from(encodeListWorkersResponse(res));
    expect(decodeListWorkersResponse(bytes)).toEqual(res);
    const extra = Buffer.concat([
      ld(0x0a, Buffer.concat([ld(0x0a, s("w")), ld(0x22, hex("08 01")), ld(0x2a, ld(0x12, s("v0.8")))])),
    ]);
    expect(decodeListWorkersResponse(extra)).toEqual({ record: [{ id: "w", labels: {}, platforms: [] }] });
  });

  it("uses the Control service paths", () => {
    expect(controlPath("ListWorkers")).toBe("/moby.buildkit.v1.Control/ListWorkers");
    expect(controlPath("Solve")).toBe("/moby.buildkit.v1.Control/Solve");
    expect(controlPath("Status")).toBe("/moby.buildkit.v1.Control/Status");
  });
});
