/**
 * The one place that turns the configured rotation strategy into its Strategy value
 * (docs/design.md §Strategies). Nothing else branches on the strategy's kind.
 */
import type { Config } from "../config";
import type { Strategy } from "../core/strategy";
import { alternatingUsers } from "./alternating-users";
import { singleUser } from "./single-user";

export function chooseStrategy(config: Config): Strategy {
  const { strategy } = config;
  return strategy.kind === "alternating-users"
    ? alternatingUsers(strategy)
    : singleUser(config.db.user);
}
