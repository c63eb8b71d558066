/**
 * The errors a rotation run can end with. Each one says which step failed, what state it
 * left (which parameter holds which password, what the database accepts), and what the
 * operator should do next. None of them ever carries a password: messages pass through
 * `redact()` with every secret the run has seen.
 */
import type { ServiceRefresh } from "./ecs/types";
import type { StepName } from "./steps";

/** Secret-free account of a run that failed: set by the run, read by notifications. */
export interface RunReport {
  readonly durationMs: number;
  readonly steps: ReadonlyArray<{ readonly step: StepName; readonly ms: number }>;
  readonly services: readonly ServiceRefresh[];
}

/** Machine-readable reason, so alarms, tests and runbooks need not parse messages. */
export type RotationErrorKind =
  | "database-unreachable"
  | "credential-drift"
  | "admin-credentials-rejected"
  | "admin-privileges-missing"
  | "parameter-missing"
  | "parameter-malformed"
  | "parameter-store"
  | "verify-failed"
  | "publish-not-readable"
  | "refresh-failed"
  | "invalid-event"
  | "dry-run-failed"
  | "unexpected";

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
  readonly cause?: string;
}

/** A run that stopped. The message alone tells an operator what happened and what to do. */
export class RotationError extends Error {
  override readonly name: string = "RotationError";
  readonly step: RotationErrorDetails["step"];
  readonly kind: RotationErrorKind;
  readonly stateLeft: string;
  readonly action: string;
  override readonly cause: string | undefined;
  /** What the run did before it stopped (step timings, ECS results), for notifications. */
  report: RunReport | undefined;

  constructor(details: RotationErrorDetails) {
    super(
      `Rotation failed at step "${details.step}": ${details.problem}` +
        (details.cause ? ` (cause: ${details.cause})` : "") +
        `. State left: ${details.stateLeft}. Next: ${details.action}`,
    );
    this.step = details.step;
    this.kind = details.kind;
    this.stateLeft = details.stateLeft;
    this.action = details.action;
    this.cause = details.cause;
  }
}

/**
 * Neither the published nor the staged password logs in, although the database answered:
 * someone changed the role's password outside this rotation. Changing anything now could
 * lock the applications out for good, so the run changes nothing.
 */
export class CredentialDriftError extends RotationError {
  override readonly name: string = "CredentialDriftError";
  constructor(details: Omit<RotationErrorDetails, "kind">) {
    super({ ...details, kind: "credential-drift" });
  }
}

/**
 * Another run holds the lease (its pending parameter has not expired). Not a failure:
 * `rotate()` turns it into a "skipped" result and the handler returns normally.
 */
export class RotationInProgress extends Error {
  override readonly name = "RotationInProgress";
  constructor(
    readonly holder: string,
    readonly leaseExpiresAt: string,
  ) {
    super(`rotation in progress by ${holder} until ${leaseExpiresAt}`);
  }
}

const REDACTED = "[REDACTED]";

/** Every way a secret can show up in text we produce: plain, in a URL, inside a JSON string. */
function spellings(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [secret, encodeURIComponent(secret), strictUriEncode(secret), json];
}

/** RFC 3986 encoding: encodeURIComponent plus the sub-delimiters it leaves alone. */
export function strictUriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * Remove every known secret from `text`, in each spelling it can take. Longer spellings go
 * first so that a secret containing another one is removed whole.
 */
export function redact(text: string, secrets: Iterable<string | undefined>): string {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (secret) for (const spelling of spellings(secret)) needles.add(spelling);
  }
  let result = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    result = result.split(needle).join(REDACTED);
  }
  return result;
}

/** A one-line, secret-free summary of any thrown value, for logs and `cause` fields. */
export function describeError(error: unknown, secrets: Iterable<string | undefined>): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const prefix =
      typeof code === "string" && code !== error.name ? `${error.name} ${code}` : error.name;
    return redact(`${prefix}: ${error.message}`, secrets);
  }
  return redact(String(error), secrets);
}
