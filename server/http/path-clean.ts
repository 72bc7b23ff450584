/**
 * SPEC §0.6 step 1: a path with a `.` or `..` segment or an empty segment (`//`) gets a 301 to its
 * cleaned form (query kept); null when the path is already clean. A single trailing `/` is allowed.
 */
export function cleanRedirect(rawUrl: string): string | null {
  const q = rawUrl.indexOf("?");
  const path = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
  const query = q >= 0 ? rawUrl.slice(q) : "";
  if (!path.startsWith("/")) return null;
  // A `.`/`..` segment needs a "/." and an empty one a "//": without either the path is clean (the common case).
  if (!path.includes("/.") && !path.includes("//")) return null;
  const segments = path.slice(1).split("/");
  const trailing = segments.length > 1 && segments[segments.length - 1] === "";
  const body = trailing ? segments.slice(0, -1) : segments;
  const dirty = body.some((s) => s === "." || s === ".." || s === "");
  if (!dirty) return null;
  const out: string[] = [];
  for (const s of body) {
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  const lastWasDir = trailing || body[body.length - 1] === "." || body[body.length - 1] === "..";
  // Browsers read `\` as `/`: encode it so the Location can never point at another host.
  let cleaned = `/${out.join("/")}`.replaceAll("\\", "%5C");
  if (lastWasDir && cleaned !== "/") cleaned += "/";
  return cleaned + query;
}
