import type { ApiDeps } from "./deps.js";
import type { App } from "../http/index.js";
import { registerSystemRoutes } from "./system.js";
import { registerSessionRoutes } from "./session.js";
import { registerRegistrationRoutes, registerProjectRoutes } from "./registration.js";
import { registerOpRoutes } from "./ops.js";
import { registerArtifactRoutes } from "./artifacts.js";
import { registerWebhookRoutes } from "./webhooks.js";
import { registerDeliveryRoutes } from "./delivery.js";
import { registerReleaseRoutes } from "./releases.js";
import { registerJourneyRoutes } from "./journey.js";

export type { ApiDeps, NatsInfo } from "./deps.js";
export { systemInfo } from "./system.js";
export { registerAuditRoutes } from "./audit.js";
export { OpEventHub } from "./op-event-hub.js";

/** Mount every API area on the app. */
export function registerApiRoutes(app: App, d: ApiDeps): void {
  registerSystemRoutes(app, d);
  registerSessionRoutes(app, d);
  registerRegistrationRoutes(app, d);
  registerOpRoutes(app, d);
  registerArtifactRoutes(app, d);
  registerWebhookRoutes(app, d);
  registerDeliveryRoutes(app, d);
  registerReleaseRoutes(app, d);
  registerJourneyRoutes(app, d);
  registerProjectRoutes(app, d);
}
