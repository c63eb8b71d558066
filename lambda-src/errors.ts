/**
 * The errors a rotation run can end with, and the one catalogue of their texts. Each error
 * says which step failed, what state it left (which parameter holds which password, what the
 * database accepts), and what the operator should do next. None carries a password: the run
 * passes every message through `redact()` with every secret it has seen.
 */
import type { ServiceRefresh } from "./core/ports";
import type { StepName } from "./core/steps";
import * as about from "./error-texts";
import * as sm from "./secret-texts";

/** Secret-free account of a run that failed: set by the run, read by notifications. */
export interface RunReport {
  readonly durationMs: number;
  readonly steps: ReadonlyArray<{ readonly step: StepName; readonly ms: number }>;
  readonly services: readonly ServiceRefresh[];
}

/** What each kind of failure is about: the typed fields its text is built from. */
export interface FailureFields {
  "database-unreachable": { host: string; port: number; tlsMode: string; detail: string };
  "credential-drift":
    | { found: "current-rejected"; parameter: string; roles: readonly string[]; detail: string }
    | { found: "both-rejected"; parameter: string; pending: string };
  "admin-credentials-rejected":
    | { found: "admin-rejected"; parameter: string; detail: string }
    | { found: "both-rejected"; parameter: string; stagedRole: string };
  "admin-privileges-missing": {
    /** Who tried what, and the server's answer. */
    admin: string;
    attempted: string;
    detail: string;
    /** SQL identifiers, for the GRANT statements of the action. */
    sql: { readonly admin: string; readonly primary: string; readonly twin: string };
  };
  "parameter-missing": { parameter: string; what: string; holding: string };
  "parameter-malformed": about.MalformedFields;
  "parameter-store": Record<string, never>; // the cause carries the SSM error and its fix
  "verify-failed": { problem: string; check: string };
  "publish-not-readable": { parameter: string };
  "refresh-failed": { services: readonly ServiceRefresh[]; problems: readonly string[] };
  "invalid-event": { shown: string; accepted: string };
  "dry-run-failed": { failed: ReadonlyArray<{ readonly check: string; readonly detail: string }> };
  unexpected: Record<string, never>;
  "insecure-authentication": about.DatabaseFields;
  "login-not-permitted": about.DatabaseFields;
  "database-missing": about.DatabaseFields;
  "parameter-not-secure": about.NotSecureFields;
  "twin-not-adoptable": about.TwinFields;
  "config-invalid": { problems: readonly string[] };
  // The Secrets Manager store (secret-texts.ts).
  "secret-store": Record<string, never>; // the cause carries the Secrets Manager error and its fix
  "secret-malformed": sm.SecretMalformedFields;
  "rotation-token-invalid": sm.TokenFields;
  "secret-id-mismatch": sm.SecretIdFields;
}

/** Machine-readable reason, so alarms, tests and runbooks need not parse messages. */
export type RotationErrorKind = keyof FailureFields;

/** `stateLeft` only when the kind itself says what is left; otherwise the run says. */
type Text = { readonly problem: string; readonly action: string; readonly stateLeft?: string };

const UNCHANGED = "nothing changed";

const CATALOGUE: { readonly [K in RotationErrorKind]: (f: FailureFields[K]) => Text } = {
  "database-unreachable": (f) => ({
    problem: `cannot reach PostgreSQL at ${f.host}:${f.port} with TLS ${f.tlsMode} (${f.detail})`,
    action:
      "check the security groups, the host name against the server certificate, and the CA " +
      "bundle (db_ca_bundle_file); then re-run",
  }),
  "credential-drift": (f) =>
    f.found === "current-rejected"
      ? {
          problem:
            `credential drift: the database rejects the password in ${f.parameter} for ` +
            `${f.roles.join(" and ")} (${f.detail})`,
          action:
            `put the published role's real password in ${f.parameter} (or reset that role to ` +
            "the stored password), then re-run",
        }
      : {
          problem:
            `credential drift: the database rejects both the password in ${f.parameter} and ` +
            `the staged one in ${f.pending}`,
          action:
            "someone changed the role's password outside this rotation; set it back to the " +
            `value in ${f.parameter} (ALTER ROLE … PASSWORD), or put the role's real password ` +
            `in ${f.parameter}, then re-run`,
          stateLeft: `${UNCHANGED}; ${f.parameter} and ${f.pending} keep their values`,
        },
  "admin-credentials-rejected": (f) => ({
    problem:
      f.found === "admin-rejected"
        ? `the database rejects the administrative credentials in ${f.parameter} (${f.detail})`
        : `the database rejects the staged password for ${f.stagedRole} (the interrupted ` +
          "apply never committed), and it rejects the administrative credentials that would " +
          "re-apply it",
    action:
      "put the current username and password of a role with CREATEROLE in " +
      `${f.parameter} as {"username": ..., "password": ...}, then re-run`,
  }),
  "admin-privileges-missing": (f) => ({
    problem: `the administrative role ${f.admin} may not ${f.attempted} (${f.detail})`,
    action:
      `as a superuser (on RDS, the master user) run ALTER ROLE ${f.sql.admin} ` +
      `CREATEROLE; on PostgreSQL 16 and later also GRANT ${f.sql.primary} TO ${f.sql.admin} ` +
      `WITH ADMIN OPTION (and the same for ${f.sql.twin} if ${f.admin} did not create it); then ` +
      "re-run: recovery stages and applies a new password",
  }),
  "parameter-missing": (f) => ({
    problem: `${f.what} ${f.parameter} does not exist`,
    action: `create ${f.parameter} as a SecureString ${f.holding}, then re-run`,
    stateLeft: UNCHANGED,
  }),
  "parameter-malformed": (f) => ({ ...about.malformed(f), stateLeft: UNCHANGED }),
  "parameter-store": () => ({
    problem: "SSM refused the request",
    action: "apply the fix above, then re-run",
  }),
  "verify-failed": (f) => ({
    problem: f.problem,
    action: `check ${f.check}; then re-run: recovery publishes the staged password if it logs in`,
  }),
  "publish-not-readable": (f) => ({
    problem: `${f.parameter} was written but a read-back does not return the new value`,
    action:
      `check for another writer of ${f.parameter}; then re-run: recovery publishes the ` +
      "staged password again",
  }),
  "refresh-failed": (f) => refreshFailed(f),
  "invalid-event": (f) => ({
    problem: `the event is not one this function accepts: it got ${f.shown}`,
    action: `invoke with ${f.accepted}`,
    stateLeft: UNCHANGED,
  }),
  "dry-run-failed": (f) => ({
    problem:
      `dry run found ${f.failed.length} problem(s): ` +
      f.failed.map((c) => `${c.check}: ${c.detail}`).join("; "),
    action: "fix each problem listed, then run the dry run again",
    stateLeft: `${UNCHANGED} (dry run)`,
  }),
  unexpected: () => ({
    problem: "unexpected error",
    action: "read the cause, fix it, then re-run; recovery completes an interrupted rotation",
  }),
  "insecure-authentication": about.insecureAuthentication,
  "login-not-permitted": about.loginNotPermitted,
  "database-missing": about.databaseMissing,
  "parameter-not-secure": about.parameterNotSecure,
  "twin-not-adoptable": about.twinNotAdoptable,
  "config-invalid": (f) => ({
    problem: `invalid Lambda configuration: ${f.problems.join("; ")}`,
    action: "set each module variable named, apply, then invoke again",
    stateLeft: `${UNCHANGED} (the function stops before any client exists)`,
  }),
  "secret-store": sm.secretStore,
  "secret-malformed": sm.secretMalformed,
  "rotation-token-invalid": sm.rotationTokenInvalid,
  "secret-id-mismatch": sm.secretIdMismatch,
};

/**
 * How many services a refresh-failed message names. The message is in the error, the log line
 * and the notice: a fleet's worth of names would outgrow all three, and each service also has
 * its own log line.
 */
const NAMED_SERVICES = 10;

/** Each service that was not refreshed (the first ten), with the command that finishes it. */
function refreshFailed(f: FailureFields["refresh-failed"]): Text {
  const failed = f.services.filter((s) => !s.ok);
  const named = failed.slice(0, NAMED_SERVICES);
  const more = failed.length - named.length;
  const unnamed =
    more > 0 ? [`${more} more, each in its log line "service refresh <outcome>"`] : [];
  const summary = named.map((s) => `${s.cluster}/${s.service} ${s.outcome} (${s.detail})`);
  const count = `${failed.length} of ${f.services.length} ECS service(s) not refreshed`;
  const listed = [...summary, ...unnamed].join("; ");
  const parts = [...(failed.length > 0 ? [`${count}: ${listed}`] : []), ...f.problems];
  const actions = named.map((s) => {
    const where = `--cluster ${s.cluster}`;
    if (s.restartMethod === "rolling") {
      return `aws ecs update-service ${where} --service ${s.service} --force-new-deployment`;
    }
    if (s.restartMethod === "stop-tasks") {
      return (
        `stop the remaining tasks of ${s.cluster}/${s.service} one by one (aws ecs list-tasks ` +
        `${where} --service-name ${s.service}; aws ecs stop-task ${where} --task <arn>)`
      );
    }
    return `fix ${s.cluster}/${s.service} as described`;
  });
  if (more > 0) actions.push(`the same for the ${more} more`);
  if (f.problems.length > 0) actions.push("fix the discovery problem(s) and run a dry run");
  return {
    problem: parts.join("; "),
    action:
      "tasks started before the rotation hold the previous value until they restart: " +
      actions.join("; "),
  };
}

export interface RotationErrorDetails {
  readonly step: StepName | "handler";
  readonly kind: RotationErrorKind;
  /** What went wrong, one sentence, already free of secrets. */
  readonly problem: string;
  /** What is where now: which parameter holds which password, what the database accepts. */
  readonly stateLeft: string;
  /** What the operator should do next. */
  readonly action: string;
  /** The underlying error, reduced to a secret-free summary. */
  readonly cause?: string | undefined;
}

/** Where a failure happened; `stateLeft` is used unless the kind says itself what is left. */
export type FailureSite = Pick<RotationErrorDetails, "step" | "cause"> & {
  readonly stateLeft?: string | undefined;
};

/** A run that stopped. The message alone tells an operator what happened and what to do. */
export class RotationError extends Error {
  override readonly name: string = "RotationError";
  readonly step: RotationErrorDetails["step"];
  readonly kind: RotationErrorKind;
  readonly problem: string;
  readonly stateLeft: string;
  readonly action: string;
  override readonly cause: string | undefined;
  /** What the run did before it stopped (step timings, ECS results), for notifications. */
  report: RunReport | undefined;

  constructor(details: RotationErrorDetails) {
    const cause = details.cause ? ` (cause: ${details.cause})` : "";
    super(
      `Rotation failed at step "${details.step}": ${details.problem}${cause}. ` +
        `State left: ${details.stateLeft}. Next: ${details.action}`,
    );
    this.step = details.step;
    this.kind = details.kind;
    this.problem = details.problem;
    this.stateLeft = details.stateLeft;
    this.action = details.action;
    this.cause = details.cause;
  }
}

/** The database rejects the stored passwords: someone changed one outside this rotation. */
export class CredentialDriftError extends RotationError {
  override readonly name: string = "CredentialDriftError";
}

/** The error of `kind` at `site`, its texts from the catalogue. */
export function rotationError<K extends RotationErrorKind>(
  kind: K,
  site: FailureSite,
  fields: FailureFields[K],
): RotationError {
  const text = CATALOGUE[kind](fields);
  const stateLeft = text.stateLeft ?? site.stateLeft ?? UNCHANGED;
  const details = { ...site, ...text, kind, stateLeft };
  return kind === "credential-drift"
    ? new CredentialDriftError(details)
    : new RotationError(details);
}

/** Another run holds the lease. Not a failure: `rotate()` returns a "skipped" result. */
export class RotationInProgress extends Error {
  override readonly name = "RotationInProgress";
  constructor(
    readonly holder: string,
    readonly leaseExpiresAt: string,
  ) {
    super(`rotation in progress by ${holder} until ${leaseExpiresAt}`);
  }
}
