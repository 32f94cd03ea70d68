import { Sublist } from "../sublist/index.js";
import type { Subscription } from "./subscription.js";

/** The global account every client lands in when no accounts are configured. */
export const GLOBAL_ACCOUNT = "$G";

/**
 * An isolated subject space: its own sublist, so messages never cross accounts unless
 * exported and imported (issue #3 adds those).
 */
export class Account {
  readonly sublist = new Sublist<Subscription>();

  constructor(readonly name: string) {}
}
