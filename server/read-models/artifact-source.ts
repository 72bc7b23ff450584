/** Reads one artifact (path relative to the project's artifact dir); null when it is absent or unreadable. */
export type ReadArtifact = (path: string) => Promise<string | null>;

/**
 * What the read models see of a project's artifact directory: the listing as `GET …/artifacts` returns it
 * (relative `/`-separated paths, byte-sorted) and a reader for contents. A path counts as existing only when it is
 * in `files`, so one listing gives one consistent answer even if files change while a model is being built.
 */
export interface ArtifactSource {
  files: readonly string[];
  read: ReadArtifact;
}

/** Compare two strings in UTF-8 byte order (the order of the artifact listing and of every sort here). */
export function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The content of a listed artifact; null when the path is not in the listing or cannot be read. */
export async function readListed(src: ArtifactSource, path: string): Promise<string | null> {
  if (!src.files.includes(path)) return null;
  return src.read(path);
}

/** The trimmed content of `build/image.txt`, or undefined when there is no build image. */
export async function buildImageOf(src: ArtifactSource): Promise<string | undefined> {
  const image = (await readListed(src, "build/image.txt"))?.trim();
  return image ? image : undefined;
}
