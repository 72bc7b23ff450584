/** A parsed BuildKit address (SPEC §9.2). `raw` is the address as given (trimmed). */
export type BuildkitAddress =
  | { scheme: "unix"; path: string; raw: string }
  | { scheme: "docker-unix"; path: string; raw: string }
  | { scheme: "tcp"; host: string; port: number; raw: string };

/** Thrown for an address that is not `unix://PATH`, `tcp://HOST:PORT` or `docker-unix://PATH`. */
export class BuildkitAddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildkitAddressError";
  }
}

const SCHEMES = "unix://PATH, tcp://HOST:PORT or docker-unix://PATH";

/** Parse a BuildKit address; throws `BuildkitAddressError` with the offending address in the message. */
export function parseBuildkitAddr(addr: string): BuildkitAddress {
  const raw = addr.trim();
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw);
  if (!m) throw new BuildkitAddressError(`invalid buildkit address "${addr}": expected ${SCHEMES}`);
  const scheme = m[1].toLowerCase();
  const rest = m[2];
  if (scheme === "unix" || scheme === "docker-unix") {
    if (rest === "") throw new BuildkitAddressError(`invalid buildkit address "${addr}": missing socket path`);
    if (rest.includes("\0")) throw new BuildkitAddressError(`invalid buildkit address "${addr}": NUL in socket path`);
    return { scheme, path: rest, raw };
  }
  if (scheme === "tcp") {
    const hp = /^(?:\[([0-9a-fA-F:.%a-zA-Z]+)\]|([^:/[\]?#@]+)):(\d{1,5})\/?$/.exec(rest);
    if (!hp) throw new BuildkitAddressError(`invalid buildkit address "${addr}": expected tcp://HOST:PORT`);
    const port = Number(hp[3]);
    if (port < 1 || port > 65535)
      throw new BuildkitAddressError(`invalid buildkit address "${addr}": port out of range`);
    return { scheme: "tcp", host: hp[1] ?? hp[2], port, raw };
  }
  throw new BuildkitAddressError(
    `unsupported buildkit address scheme "${scheme}://" in "${addr}": expected ${SCHEMES}`,
  );
}
