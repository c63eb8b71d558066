/**
 * What is where after a failure in a step: the `stateLeft` of a RotationError. The strategy
 * names the roles; this file knows which parameters each step may have written.
 */
import type { Config } from "../config";
import type { StepName } from "./steps";

/** The role a run stages, and with alternating-users the published one it leaves alone. */
export interface RolesInPlay {
  readonly staged: string;
  readonly published: string | undefined;
}

export interface StateFacts {
  readonly parameters: Config["parameters"];
  readonly roles: RolesInPlay;
  /** When the lease this run holds ends; undefined when it holds none. */
  readonly leaseEnds: string | undefined;
}

/** After a failure in `step`, or with "finished" after step 7. */
export function describeStateLeft(step: StepName | "finished", facts: StateFacts): string {
  const { password, pending } = facts.parameters;
  const { staged } = facts.roles;
  switch (step) {
    case "read":
    case "stage":
      return "nothing changed";
    case "recover":
      return `nothing changed in the database; ${password} and ${pending} keep their passwords`;
    case "apply":
      return (
        `${pending} holds the staged password for ${staged}; the password of ${staged} may ` +
        `or may not have changed; ${previous(facts)}; ${retry(facts)}`
      );
    case "verify":
      return (
        `the password of ${staged} was changed to the staged one held in ${pending}; ` +
        `${previous(facts)}; ${retry(facts)}`
      );
    case "publish-password":
    case "publish-username":
    case "publish-url":
      return published(facts);
    case "refresh":
      return (
        `the password of ${staged} is rotated and published; ${pending} still exists; ` +
        retry(facts)
      );
    case "finish":
      return (
        `the password of ${staged} is rotated and published, and services were refreshed; ` +
        `${pending} could not be deleted; a re-run publishes the same password again ` +
        "without changing it"
      );
    case "finished":
      return finished(facts);
  }
}

function retry(facts: StateFacts): string {
  if (facts.leaseEnds === undefined) return "";
  return (
    "a re-run recovers (this run releases its lease on failure; otherwise it ends at " +
    `${facts.leaseEnds})`
  );
}

function previous({ parameters, roles }: StateFacts): string {
  if (roles.published === undefined) return `${parameters.password} holds the previous one`;
  return (
    `${parameters.password} still holds the password of ${roles.published}, which was not ` +
    "touched and keeps working"
  );
}

function published(facts: StateFacts): string {
  const { password, pending, username, databaseUrl } = facts.parameters;
  const { staged, published: other } = facts.roles;
  const written = [password, username, databaseUrl].filter((p) => p !== undefined);
  const old =
    other === undefined
      ? "the previous value"
      : `the previous values (${other}, whose password keeps working)`;
  return (
    `the database accepts the staged password for ${staged} held in ${pending}; ` +
    `${written.join(", ")} may still hold ${old}; ${retry(facts)}`
  );
}

function finished({ roles }: StateFacts): string {
  const kept =
    roles.published === undefined
      ? ""
      : `; ${roles.published} keeps its password until the next rotation`;
  return (
    `the password of ${roles.staged} is rotated and published, the pending parameter is ` +
    `deleted${kept}`
  );
}
