import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.js";
import { cleanRedirect } from "./path-clean.js";
import { ApiError } from "./api-error.js";
import { errorResponse } from "./respond.js";
import { newId32 } from "../../workers/shared/ids.js";

export interface HttpServer {
  server: Server;
  host: string;
  port: number;
  /** `host:port` as listened (IPv6 in brackets). */
  addr: string;
  close(): Promise<void>;
}

/** Listen with the app behind SPEC §0.6 step 1 (path cleaning happens on the raw URL, before routing). */
export async function startHttpServer(app: App, host: string, port: number): Promise<HttpServer> {
  // Requests the adapter cannot turn into a Request (bad Host header, …) still get the SPEC §0.3 error shape.
  const listener = getRequestListener(app.fetch, {
    errorHandler: () => errorResponse(new ApiError(404, "ROUTE_NOT_FOUND", "404 page not found"), newId32()),
  });
  const server = createServer((req, res) => {
    // A raw backslash in the path is data, not a separator, and a raw `#` is data too (a request target never
    // carries a fragment): encode both before anything parses the URL, which would otherwise read `\` as `/`
    // and drop everything after `#` (GET /api/projects/x#y/artifacts must not be served as /api/projects/x).
    let raw = req.url ?? "/";
    if (raw.includes("#")) raw = req.url = raw.replaceAll("#", "%23");
    const q = raw.indexOf("?");
    const path = q >= 0 ? raw.slice(0, q) : raw;
    if (path.includes("\\")) req.url = path.replaceAll("\\", "%5C") + (q >= 0 ? raw.slice(q) : "");
    const target = cleanRedirect(req.url ?? "/");
    if (target !== null) {
      res.writeHead(301, { Location: target, "Content-Length": "0" });
      res.end();
      return;
    }
    void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const a = server.address() as AddressInfo;
  const h = a.address.includes(":") ? `[${a.address}]` : a.address;
  return {
    server,
    host: a.address,
    port: a.port,
    addr: `${h}:${a.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}
