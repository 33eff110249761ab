/**
 * Event reasons the reconciler emits. The catalogue is operator/api/conditions.ts; `Created`
 * and `Updated` are not in it yet (asked of its owner), so they are added here until it has them.
 */
import { EventReasons } from "../api/conditions.js";

export const ReconcileEventReasons = {
  ...EventReasons,
  /** Objects made for a MediaServer for the first time. */
  Created: "Created",
  /** Objects whose content changed because the MediaServer did. */
  Updated: "Updated",
  /** Objects no revision needs any more (a finished canary/baseline, an unused config). */
  Deleted: "Deleted",
} as const;
