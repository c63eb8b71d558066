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
      return published(step, facts);
    case "refresh":
      return (
        `the password of ${staged} is rotated and published; ${pending} still exists; ` +
        retry(facts)
      );
    case "revoke-previous":
      return (
        `the password of ${staged} is rotated and published, and services were refreshed; ` +
        `${facts.roles.published ?? "the previously published role"} may still accept its ` +
        `previous password; ${pending} still exists, so the next run (the resume schedule's) ` +
        "refreshes again and finishes the revoke"
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

/** The parameters in the order they are published (protocol.ts): DATABASE_URL first. */
const PUBLISH_ORDER = [
  ["publish-url", "databaseUrl"],
  ["publish-password", "password"],
  ["publish-username", "username"],
] as const;

/**
 * After a failure while publishing: which parameters already hold the new value (each write
 * was confirmed readable before the next began), which may not, and what that means for each
 * reader: DATABASE_URL holds a whole pair, the password and username parameters one half each.
 */
function published(step: StepName, facts: StateFacts): string {
  const { parameters } = facts;
  const { staged, published: other } = facts.roles;
  const at = PUBLISH_ORDER.findIndex(([s]) => s === step);
  const names = (part: ReadonlyArray<(typeof PUBLISH_ORDER)[number]>) =>
    part.map(([, key]) => parameters[key]).filter((p): p is string => p !== undefined);
  const done = names(PUBLISH_ORDER.slice(0, at));
  const notYet = names(PUBLISH_ORDER.slice(at));
  const old =
    other === undefined
      ? "the previous password, which the database no longer accepts"
      : `the previous values (${other}, whose password keeps working)`;
  const parts = [
    `the database accepts the staged password for ${staged} held in ${parameters.pending}`,
  ];
  if (done.length > 0) parts.push(`${done.join(", ")} hold the new value`);
  parts.push(`${notYet.join(", ")} may still hold ${old}`);
  const { password, username } = parameters;
  if (username !== undefined && (step === "publish-username" || step === "publish-password")) {
    parts.push(
      `a reader of both ${password} and ${username} may get the new password with the ` +
        "previous username, which the database rejects, until a re-run publishes again",
    );
  }
  parts.push(
    "the next run (the resume schedule's, within one interval) publishes the staged " +
      `password again; ${retry(facts)}`,
  );
  return parts.join("; ");
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
