export { AuditLog, csvRow, CSV_HEADER, encodeCursor, decodeCursor } from "./audit-log.js";
export type { AuditRecord, AuditFilter } from "./audit-log.js";
export { auditAction, auditOutcome, auditTrail } from "./middleware.js";
