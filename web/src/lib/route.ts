// The location hash keeps what is open across reloads: `#/apps`, `#/app/<id>/<tab>`, `#/audit`.

export type View = "apps" | "audit";
export const TAB_IDS = ["delivery", "environments", "activity"] as const;
export type TabId = (typeof TAB_IDS)[number];

export interface Route {
  view: View;
  appId: string | null;
  tab: TabId;
}

export const DEFAULT_ROUTE: Route = { view: "apps", appId: null, tab: "delivery" };

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "audit") return { ...DEFAULT_ROUTE, view: "audit" };
  if (parts[0] === "app" && parts[1] && /^[a-z0-9][a-z0-9-]{0,62}$/.test(parts[1])) {
    const tab = (TAB_IDS as readonly string[]).includes(parts[2] ?? "") ? (parts[2] as TabId) : "delivery";
    return { view: "apps", appId: parts[1], tab };
  }
  return DEFAULT_ROUTE;
}

export function formatHash(r: Route): string {
  if (r.view === "audit") return "#/audit";
  if (r.appId) return `#/app/${encodeURIComponent(r.appId)}/${r.tab}`;
  return "#/apps";
}
