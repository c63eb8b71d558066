/**
 * The ports of the rotation core: what the protocol, the strategies and the dry run need from
 * the outside world, declared here and implemented by the adapters (secrets/ for SSM, db/ for
 * PostgreSQL, ecs/ for ECS, observability.ts and notify.ts). The core imports no adapter;
 * handler.ts plugs adapters into these ports (docs/design.md §Layout). Unit tests fake them.
 */
import type { RestartMethod } from "../config";
import type { InFlightService } from "./in-flight-service";

export type { InFlightService } from "./in-flight-service";

// ---------------------------------------------------------------------------------------
// Secret store (SSM Parameter Store)
// ---------------------------------------------------------------------------------------

export interface SecretStore {
  /**
   * The decrypted value, or undefined when the parameter does not exist. Throws
   * ParameterTypeError when it is not a SecureString: a secret stored unencrypted is refused,
   * never rotated (which would silently convert it).
   */
  getSecureString(name: string): Promise<string | undefined>;
  /**
   * Several SecureStrings in one call (step 1 reads the password and pending parameters
   * together), by name; a parameter that does not exist is absent from the map. Throws
   * ParameterTypeError for the first of `names`, in order, that is not a SecureString.
   */
  getSecureStrings(names: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** The value of a parameter that holds no secret (the username), whatever its type. */
  getValue(name: string): Promise<string | undefined>;
  /** Create `name` only if absent (Overwrite=false): the rotation lock. */
  createPending(
    name: string,
    value: string,
    kmsKeyId: string | undefined,
  ): Promise<"created" | "already-exists">;
  /** Create or overwrite `name`. Without `kmsKeyId`, keep the key the parameter already uses. */
  putSecureString(name: string, value: string, kmsKeyId: string | undefined): Promise<void>;
  /** Create or overwrite `name` as a plain String parameter (for values that are no secret). */
  putString(name: string, value: string): Promise<void>;
  /** The KMS key `name` is encrypted with, or undefined when it does not exist. */
  keyIdOf(name: string): Promise<string | undefined>;
  /** The KMS keys of several parameters in one lookup; a missing parameter is absent. */
  keyIdsOf(names: readonly string[]): Promise<ReadonlyMap<string, string>>;
  /** Delete `name`; a parameter already gone is fine. */
  deleteParameter(name: string): Promise<void>;
  /** Whether a decrypted read of `name` returns exactly `value` right now. */
  readable(name: string, value: string): Promise<boolean>;
}

/** A store call the service refused; its message names the call, the parameter and the fix. */
export class SecretStoreError extends Error {}

/** A parameter that must hold a secret is a String or StringList, not a SecureString. */
export class ParameterTypeError extends SecretStoreError {
  override readonly name = "ParameterTypeError";
  constructor(
    readonly parameter: string,
    readonly type: string,
  ) {
    super(`${parameter} is a ${type} parameter, not a SecureString`);
  }
}

// ---------------------------------------------------------------------------------------
// Database (PostgreSQL)
// ---------------------------------------------------------------------------------------

/**
 * Why a login that says nothing about the password failed, when the network is not the
 * reason: the server asked for the password in a form that would expose it (cleartext, MD5,
 * SCRAM without a verified server signature, or no channel binding where it is required),
 * the role may not log in at all (SQLSTATE 28000: NOLOGIN, pg_hba.conf), or the database
 * does not exist (3D000). Each has its own error kind and fix.
 */
export type LoginProblem = "insecure-authentication" | "login-not-permitted" | "database-missing";

/**
 * Outcome of a login attempt. Recovery treats only "rejected" (SQLSTATE 28P01, a wrong
 * password) as evidence that a password is wrong; "unreachable" (network, TLS, timeout,
 * server not accepting connections, or one of the `problem`s) says nothing about the
 * password and must never drive a decision.
 */
export type LoginOutcome =
  | { readonly kind: "accepted"; readonly currentUser: string }
  | { readonly kind: "rejected"; readonly sqlState: string; readonly detail: string }
  | { readonly kind: "unreachable"; readonly detail: string; readonly problem?: LoginProblem };

export type LoginFailure = Exclude<LoginOutcome, { kind: "accepted" }>;

/** Thrown by the `open…Session` methods when the login fails. */
export class LoginFailedError extends Error {
  override readonly name = "LoginFailedError";
  constructor(readonly outcome: LoginFailure) {
    super(outcome.detail);
  }
}

/** An open connection that may change a role's password. */
export interface RoleSession {
  readonly currentUser: string;
  /** Runs ALTER ROLE with a SCRAM verifier; resolves once the change is committed. */
  setPassword(role: string, verifier: string): Promise<void>;
  close(): Promise<void>;
}

/** Logging in as the rotated role (single-user). */
export interface RoleDatabase {
  /** Opens and closes a fresh connection; never throws for a failed login. */
  canLogin(user: string, password: string): Promise<LoginOutcome>;
  /** Throws LoginFailedError when the login fails. */
  openSession(user: string, password: string): Promise<RoleSession>;
}

/** A login as seen from inside the session: who logged in, and whom it acts as. */
export type IdentifiedLogin =
  | { readonly kind: "accepted"; readonly sessionUser: string; readonly currentUser: string }
  | LoginFailure;

/** An open connection as the administrative role (alternating-users). */
export interface AdminSession extends RoleSession {
  /**
   * Make `twin` a login role that acts as `primary`, in one transaction: create it when
   * missing, GRANT primary TO twin, ALTER ROLE twin SET role = primary. Idempotent; throws
   * AdminPrivilegeError (and changes nothing) when the session may not do all that, and
   * TwinNotAdoptableError when an existing `twin` has other members or admins, or powers
   * the application must not have.
   */
  ensureTwin(primary: string, twin: string): Promise<"created" | "exists">;
}

/** Administrative database access (alternating-users). */
export interface RoleAdministration {
  /** Throws LoginFailedError when the login fails. */
  openAdminSession(user: string, password: string): Promise<AdminSession>;
  /** Opens and closes a fresh connection; never throws for a failed login. */
  identify(user: string, password: string): Promise<IdentifiedLogin>;
}

/**
 * The twin role exists but may not be adopted: other roles are its members or admins (they
 * would act as the application, or set its password), or it has SUPERUSER, CREATEROLE,
 * BYPASSRLS or REPLICATION. Nothing was changed.
 */
export class TwinNotAdoptableError extends Error {
  override readonly name = "TwinNotAdoptableError";
  constructor(
    readonly twin: string,
    /** One clause per problem, e.g. "it has SUPERUSER". */
    readonly reasons: readonly string[],
    /** The statements that make it adoptable. */
    readonly statements: readonly string[],
  ) {
    super(`${twin} may not be adopted as the twin: ${reasons.join("; ")}`);
  }
}

/** The administrative role logged in, but the server refused a statement for lack of privilege. */
export class AdminPrivilegeError extends Error {
  override readonly name = "AdminPrivilegeError";
  constructor(
    readonly adminRole: string,
    /** What was refused, e.g. "create role app_clone". */
    readonly attempted: string,
    /** The server's message (SQLSTATE and text; statements and verifiers are not in it). */
    readonly detail: string,
  ) {
    super(`${adminRole} may not ${attempted}: ${detail}`);
  }
}

// ---------------------------------------------------------------------------------------
// Service refresher (ECS). Every string is built from ECS names, states and reasons.
// ---------------------------------------------------------------------------------------

/** How a service's refresh ended. */
export type RefreshOutcome =
  /** The new deployment COMPLETED, or every task was replaced by a running (healthy) one. */
  | "completed"
  /** The deployment FAILED, the service cannot be refreshed, or ECS refused a call. */
  | "failed"
  /** The deployment circuit breaker rolled the deployment back. */
  | "rolled-back"
  /** Still in progress when its wait timeout ended. */
  | "timed-out"
  /** Still in progress when the invocation ended: handed over (core/refresh-record.ts). */
  | "in-flight";

/** One service's refresh, as reported in the RotationResult, the logs and notifications. */
export interface ServiceRefresh {
  readonly service: string;
  readonly cluster: string;
  /** Undefined when the service could not be planned (missing, not ACTIVE, impossible method). */
  readonly restartMethod: RestartMethod | undefined;
  readonly outcome: RefreshOutcome;
  /** outcome === "completed". */
  readonly ok: boolean;
  /** From the first ECS call for this service until its outcome was known. */
  readonly durationMs: number;
  /** The deployment this run started (rolling), or followed when another one replaced it. */
  readonly deploymentId?: string;
  /** stop-tasks: how many of `tasksTotal` running tasks were replaced. */
  readonly tasksReplaced?: number;
  readonly tasksTotal?: number;
  /** One secret-free sentence: what happened, and for a failure why. */
  readonly detail: string;
}

/** A service the refresh will work on, what ECS says about it, and its restart method. */
export interface PlannedService {
  readonly service: string;
  readonly cluster: string;
  readonly arn: string | undefined;
  /** Listed in ECS_SERVICES, or found by discovery (its task definition reads a parameter). */
  readonly source: "listed" | "discovered";
  /** ECS, CODE_DEPLOY or EXTERNAL; undefined when ECS does not know the service. */
  readonly controller: string | undefined;
  readonly restartMethod: RestartMethod | undefined;
  readonly desiredCount: number;
  readonly runningCount: number;
  /** The current task definition (for EXTERNAL services: the PRIMARY task set's). */
  readonly taskDefinition: string | undefined;
  /** Why this service cannot be refreshed; the refresh reports it as failed without touching it. */
  readonly problem?: string;
}

export interface RefreshPlan {
  readonly services: readonly PlannedService[];
  /** Problems that are not one service's: a cluster that cannot be searched, for instance. */
  readonly problems: readonly string[];
}

/** What the refresh step returns: each service's outcome, plus problems that are no service's. */
export interface RefreshReport {
  readonly services: readonly ServiceRefresh[];
  readonly problems: readonly string[];
  /** The services reported "in-flight", as the record keeps them (core/refresh-record.ts). */
  readonly inFlight?: readonly InFlightService[];
}

export interface RefreshRequest {
  /** Epoch ms when the Lambda will be stopped; every wait ends before it, with a margin. */
  readonly deadline: number;
}

/** Time a refresher keeps back from the deadline, to finish the run and report it. */
export const REFRESH_SAFETY_MARGIN_MS = 10_000;

export interface ServiceRefresher {
  /** Read-only: the services to refresh (listed and discovered) and each one's restart method. */
  plan(): Promise<RefreshPlan>;
  /** Refresh every planned service; never throws for a service, reports each outcome. */
  refresh(request: RefreshRequest): Promise<RefreshReport>;
}

// ---------------------------------------------------------------------------------------
// Logs and metrics (Powertools)
// ---------------------------------------------------------------------------------------

/** `step` says where the run is, `outcome` what just happened there ("started", "ok", ...). */
export interface LogFields {
  readonly step: string;
  readonly outcome: string;
  // Powertools drops these keys (with a WARN line lacking step and outcome): never pass them.
  readonly service?: never;
  readonly level?: never;
  readonly message?: never;
  readonly timestamp?: never;
  readonly sampling_rate?: never;
  readonly [key: string]: unknown;
}

/** What the rotation logs through; callers pass only secret-free fields. */
export interface RotationLogger {
  info(message: string, fields: LogFields): void;
  warn(message: string, fields: LogFields): void;
  error(message: string, fields: LogFields): void;
}

export interface RotationMetrics {
  succeeded(): void;
  failed(): void;
  skipped(): void;
  /** The rotation finished; its ECS refresh continues after the invocation. */
  refreshInProgress(): void;
  /** Whole run, milliseconds. */
  duration(ms: number): void;
  /** From the ALTER ROLE commit until the new value is readable from SSM, milliseconds. */
  publishGap(ms: number): void;
  /** Write the buffered metrics (one EMF line). */
  flush(): void;
}

// The versioned secret store (Secrets Manager) has its own file; it is a port like these.
export * from "./versioned-store";
