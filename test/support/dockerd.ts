import http from "node:http";
import type { AddressInfo } from "node:net";
import { engineRequest } from "../../scripts/dockerd.mjs";

// Starting the private daemon is shared with the P6 benchmark (scripts/dockerd.mjs): uses PAAS_BUILDKIT_ADDR when
// set, otherwise dockerd as root on its own socket, data/exec roots and pidfile under a /tmp temp dir.
export { startDockerd, engineRequest, type Dockerd } from "../../scripts/dockerd.mjs";

/** The image's id (`sha256:…`) when the engine knows `ref`, else null. */
export async function imageExists(socket: string, ref: string): Promise<string | null> {
  const res = await engineRequest(socket, `/images/${encodeURIComponent(ref)}/json`);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET /images/${ref}/json: HTTP ${res.status}: ${res.body.slice(0, 300)}`);
  const id = (JSON.parse(res.body) as { Id?: string }).Id;
  return id ?? null;
}

// ---- build contexts -------------------------------------------------------------------------------------------

/** One regular file of a tar. */
export interface TarFile {
  name: string;
  content: string | Buffer;
  mode?: number;
  mtime?: number;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** A minimal POSIX ustar archive of regular files (names ≤ 100 bytes). */
export function ustar(files: TarFile[]): Buffer {
  const blocks: Buffer[] = [];
  for (const f of files) {
    const data = Buffer.isBuffer(f.content) ? f.content : Buffer.from(f.content, "utf8");
    if (Buffer.byteLength(f.name) > 100) throw new Error(`tar entry name too long: ${f.name}`);
    const h = Buffer.alloc(512);
    h.write(f.name, 0, 100, "utf8");
    h.write(octal(f.mode ?? 0o644, 8), 100, 8, "ascii");
    h.write(octal(0, 8), 108, 8, "ascii");
    h.write(octal(0, 8), 116, 8, "ascii");
    h.write(octal(data.length, 12), 124, 12, "ascii");
    h.write(octal(f.mtime ?? 1_700_000_000, 12), 136, 12, "ascii");
    h.write("        ", 148, 8, "ascii");
    h.write("0", 156, 1, "ascii");
    h.write("ustar\0", 257, 6, "ascii");
    h.write("00", 263, 2, "ascii");
    h.write("root", 265, 32, "ascii");
    h.write("root", 297, 32, "ascii");
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Serve tars at `http://127.0.0.1:<port>/<name>.tar` (port 0 → a free port). */
export async function serveTars(
  tars: Record<string, Buffer>,
): Promise<{ url(name: string): string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/([\w.-]+)\.tar$/.exec(req.url ?? "");
    const body = m ? tars[m[1]] : undefined;
    if (!body) {
      res.writeHead(404).end("not found\n");
      return;
    }
    res.writeHead(200, { "content-type": "application/x-tar", "content-length": body.length });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.tar`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
