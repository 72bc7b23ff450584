/** An image reference split into the fields of a kustomize `images:` entry (SPEC §10.1). */
export interface ImageRefParts {
  /** Everything before the tag: registry (with port) and path. */
  name: string;
  /** The tag; `latest` when the reference has none. */
  tag: string;
  /** `sha256:<hex>` when the reference is pinned by digest. */
  digest?: string;
}

/** Parts as written in the reference: `tag` stays undefined when there is none. */
export interface RawImageRefParts {
  name: string;
  tag?: string;
  digest?: string;
}

const DIGEST_SUFFIX = /@(sha256:[0-9a-fA-F]+)$/;

/** Split a reference as written, without defaulting the tag (kustomize keeps a tagless image tagless). */
export function parseImageRef(ref: string): RawImageRefParts {
  let rest = ref.trim();
  let digest: string | undefined;
  const pinned = DIGEST_SUFFIX.exec(rest);
  if (pinned) {
    digest = pinned[1];
    rest = rest.slice(0, pinned.index);
  }
  // Only a `:` after the last `/` starts a tag; earlier ones belong to a registry port (`localhost:5000/a`).
  const colon = rest.lastIndexOf(":");
  const parts: RawImageRefParts = { name: rest };
  if (colon > rest.lastIndexOf("/")) {
    parts.name = rest.slice(0, colon);
    if (colon < rest.length - 1) parts.tag = rest.slice(colon + 1);
  }
  if (digest !== undefined) parts.digest = digest;
  return parts;
}

/** Split a reference into name, tag (`latest` when absent) and optional digest (SPEC §10.1). */
export function splitImageRef(ref: string): ImageRefParts {
  const { name, tag, digest } = parseImageRef(ref);
  return digest === undefined ? { name, tag: tag ?? "latest" } : { name, tag: tag ?? "latest", digest };
}

/** The `sha256:<hex>` digest of a reference, or undefined when it is not pinned. */
export function imageDigest(ref: string): string | undefined {
  return parseImageRef(ref).digest;
}

/** Join parts into `name[:tag][@digest]`. */
export function joinImageRef(parts: RawImageRefParts): string {
  return parts.name + (parts.tag ? `:${parts.tag}` : "") + (parts.digest ? `@${parts.digest}` : "");
}
