import { Sublist } from "../sublist/index.js";
import type { AccountRoutes } from "../auth/routing.js";
import type { SubjectMappings } from "../sublist/transform.js";
import type { Subscription } from "./subscription.js";

/** The global account every client lands in when no accounts are configured. */
export const GLOBAL_ACCOUNT = "$G";

/**
 * An isolated subject space: its own sublist, so messages never cross accounts unless
 * exported and imported (src/auth/routing.ts).
 */
export class Account {
  readonly sublist = new Sublist<Subscription>();
  /** Imports/exports leaving this account; null (the common case) costs one check per PUB. */
  routes: AccountRoutes | null = null;
  /** Subject mappings applied to what this account's clients publish; null (the common case) costs one check per PUB. */
  mappings: SubjectMappings | null = null;

  constructor(readonly name: string) {}
}
