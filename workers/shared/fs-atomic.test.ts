import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readFileOrNull, syncFile, writeFileAtomic } from "./fs-atomic.js";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "slipway-fsatomic-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("writeFileAtomic", () => {
  it("creates missing directories (0750) and writes the file with its mode, leaving no temp file", async () => {
    const path = join(root, "a", "b", "c.txt");
    await writeFileAtomic(path, "hello\n");
    expect(await readFile(path, "utf8")).toBe("hello\n");
    expect(await mode(path)).toBe(0o600);
    expect(await mode(join(root, "a"))).toBe(0o750);
    expect(await mode(join(root, "a", "b"))).toBe(0o750);
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]), 0o700);
    expect([...(await readFile(path))]).toEqual([1, 2, 3]);
    expect(await mode(path)).toBe(0o700);
    expect(await readdir(join(root, "a", "b"))).toEqual(["c.txt"]);
  });
});

describe("syncFile", () => {
  it("writes only when the content or the mode differs", async () => {
    const path = join(root, "d", "f.txt");
    expect(await syncFile(path, "one\n")).toBe(true);
    const ino = (await stat(path)).ino;
    expect(await syncFile(path, "one\n")).toBe(false);
    expect((await stat(path)).ino).toBe(ino); // untouched: same inode
    await chmod(path, 0o644);
    expect(await syncFile(path, "one\n")).toBe(true);
    expect(await mode(path)).toBe(0o600);
    expect(await syncFile(path, "two\n")).toBe(true);
    expect(await readFile(path, "utf8")).toBe("two\n");
    await writeFile(path, "twO\n");
    expect(await syncFile(path, "two\n")).toBe(true);
    expect(await readFile(path, "utf8")).toBe("two\n");
  });
});

describe("readFileOrNull", () => {
  it("is null for a missing file or a path through a file", async () => {
    await writeFile(join(root, "f"), "x");
    expect(readFileOrNull(join(root, "f"))?.toString()).toBe("x");
    expect(readFileOrNull(join(root, "missing"))).toBeNull();
    expect(readFileOrNull(join(root, "f", "below"))).toBeNull();
  });
});
