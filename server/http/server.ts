import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.js";
import { cleanRedirect } from "./path-clean.js";

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
  const listener = getRequestListener(app.fetch);
  const server = createServer((req, res) => {
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
