/**
 * In-process fakes of the rotation's ports, faithful where the protocol depends on it:
 * the store's createPending is atomic (Overwrite=false), the database checks logins against
 * the SCRAM verifier it was given (so a malformed verifier locks the fake role out, as it
 * would a real one), and both can be made unreachable.
 */
import { loadConfig, type Config } from "../../lambda-src/config";
import { scramSha256Verifier } from "../../lambda-src/core/scram";
import {
  LoginFailedError,
  type LogFields,
  type LoginOutcome,
  type RefreshPlan,
  type RefreshReport,
  type RefreshRequest,
  type RoleAdministration,
  type RoleDatabase,
  type RoleSession,
  type RotationLogger,
  type RotationMetrics,
  type SecretStore,
  type ServiceRefresh,
  type ServiceRefresher,
} from "../../lambda-src/core/ports";
import { createHandler, type HandlerOverrides } from "../../lambda-src/handler";
import type { RotationDeps } from "../../lambda-src/rotation";

export const ROLE = "app_user";
export const INITIAL_PASSWORD = "Initial-Passw0rd!with%and+";

export function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    DB_HOST: "db.internal.example",
    DB_USER: ROLE,
    DB_NAME: "app",
    PASSWORD_PARAMETER: "/app/db/password",
    DATABASE_URL_PARAMETER: "/app/db/url",
    ECS_CLUSTER: "main",
    ECS_SERVICES: "web,worker",
    ...env,
  });
}

export class FakeStore implements SecretStore {
  readonly values = new Map<string, { value: string; keyId: string }>();
  readonly writes: string[] = [];
  /** Called after every mutation; tests use it to check the no-lockout invariant. */
  afterMutation: () => void = () => undefined;
  failOn: ((operation: string, name: string) => Error | undefined) | undefined;

  private maybeFail(operation: string, name: string): void {
    const error = this.failOn?.(operation, name);
    if (error) throw error;
  }

  async getSecureString(name: string) {
    this.maybeFail("get", name);
    return this.values.get(name)?.value;
  }
  async getSecureStrings(names: readonly string[]) {
    const found = new Map<string, string>();
    for (const name of names) {
      const value = await this.getSecureString(name);
      if (value !== undefined) found.set(name, value);
    }
    return found;
  }
  async getValue(name: string) {
    return this.getSecureString(name);
  }
  async createPending(name: string, value: string, kmsKeyId: string | undefined) {
    this.maybeFail("create", name);
    if (this.values.has(name)) return "already-exists" as const;
    this.values.set(name, { value, keyId: kmsKeyId ?? "alias/aws/ssm" });
    this.writes.push(name);
    this.afterMutation();
    return "created" as const;
  }
  async putSecureString(name: string, value: string, kmsKeyId: string | undefined) {
    this.maybeFail("put", name);
    const keyId = kmsKeyId ?? this.values.get(name)?.keyId ?? "alias/aws/ssm";
    this.values.set(name, { value, keyId });
    this.writes.push(name);
    this.afterMutation();
  }
  async putString(name: string, value: string) {
    this.maybeFail("put", name);
    this.values.set(name, { value, keyId: "" });
    this.writes.push(name);
    this.afterMutation();
  }
  async keyIdOf(name: string) {
    return this.values.get(name)?.keyId;
  }
  async keyIdsOf(names: readonly string[]) {
    const keys = new Map<string, string>();
    for (const name of names) {
      const keyId = this.values.get(name)?.keyId;
      if (keyId !== undefined) keys.set(name, keyId);
    }
    return keys;
  }
  async deleteParameter(name: string) {
    this.maybeFail("delete", name);
    this.values.delete(name);
    this.afterMutation();
  }
  async readable(name: string, value: string) {
    return this.values.get(name)?.value === value;
  }
  value(name: string): string | undefined {
    return this.values.get(name)?.value;
  }
}

/** A role whose password is stored only as a SCRAM verifier, like pg_authid. */
export class FakeDatabase implements RoleDatabase {
  verifier: string;
  passwordChanges = 0;
  reachable = true;
  /** Sessions opened and not yet closed: a warm Lambda must not leak connections. */
  openSessions = 0;
  readonly verifiersReceived: string[] = [];
  /** Called after ALTER ROLE commits; tests use it to check the invariant. */
  afterChange: () => void = () => undefined;

  constructor(
    readonly role: string,
    password: string,
  ) {
    this.verifier = scramSha256Verifier(password, { iterations: 16 });
  }

  accepts(password: string): boolean {
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(this.verifier);
    if (!match || /[^\x21-\x7e]/.test(password) || password === "") return false;
    const salt = Buffer.from(match[2] ?? "", "base64");
    const iterations = Number(match[1]);
    return scramSha256Verifier(password, { salt, iterations }) === this.verifier;
  }

  /** Someone outside the rotation changes the password. */
  resetOutOfBand(password: string): void {
    this.verifier = scramSha256Verifier(password, { iterations: 16 });
  }

  async canLogin(user: string, password: string): Promise<LoginOutcome> {
    if (!this.reachable)
      return { kind: "unreachable", detail: "connect ECONNREFUSED 10.0.0.5:5432" };
    if (user !== this.role || !this.accepts(password)) {
      return {
        kind: "rejected",
        sqlState: "28P01",
        detail: `28P01 password authentication failed for user "${user}"`,
      };
    }
    return { kind: "accepted", currentUser: user };
  }

  async openSession(user: string, password: string): Promise<RoleSession> {
    const login = await this.canLogin(user, password);
    if (login.kind !== "accepted") throw new LoginFailedError(login);
    this.openSessions++;
    let open = true;
    return {
      currentUser: user,
      setPassword: async (role, verifier) => {
        if (!this.reachable) throw new Error("Connection terminated unexpectedly");
        if (role !== this.role) throw new Error(`role "${role}" does not exist`);
        this.verifiersReceived.push(verifier);
        this.verifier = verifier;
        this.passwordChanges++;
        this.afterChange();
      },
      close: async () => {
        if (open) this.openSessions--;
        open = false;
      },
    };
  }
}

/** Refreshes `services` of cluster "main" (testConfig's ECS_SERVICES); `failing` ones roll back. */
export class FakeRefresher implements ServiceRefresher {
  readonly calls: string[][] = [];
  readonly deadlines: number[] = [];
  failing = new Set<string>();
  /** Services still deploying when the invocation ends: reported "in-flight" and handed over. */
  inFlight = new Set<string>();

  constructor(readonly services: readonly string[] = ["web", "worker"]) {}

  async plan(): Promise<RefreshPlan> {
    return {
      services: this.services.map((service) => ({
        service,
        cluster: "main",
        arn: `arn:aws:ecs:eu-west-1:123456789012:service/main/${service}`,
        source: "listed",
        controller: "ECS",
        restartMethod: "rolling",
        desiredCount: 2,
        runningCount: 2,
        taskDefinition: "arn:aws:ecs:eu-west-1:123456789012:task-definition/app:1",
      })),
      problems: [],
    };
  }

  async refresh(request: RefreshRequest): Promise<RefreshReport> {
    this.calls.push([...this.services]);
    this.deadlines.push(request.deadline);
    const services = this.services.map((service): ServiceRefresh => {
      const deploymentId = `ecs-svc/${service}-${this.calls.length}`;
      const base = { service, cluster: "main", restartMethod: "rolling" as const, deploymentId };
      if (this.inFlight.has(service)) {
        return { ...base, outcome: "in-flight", ok: false, durationMs: 5, detail: "in progress" };
      }
      return this.failing.has(service)
        ? {
            ...base,
            outcome: "rolled-back",
            ok: false,
            durationMs: 5,
            detail: `deployment ${deploymentId} failed and ECS rolled back to ecs-svc/previous`,
          }
        : { ...base, outcome: "completed", ok: true, durationMs: 5, detail: "completed" };
    });
    const inFlight = [...this.inFlight].map((service) => ({
      service,
      cluster: "main",
      arn: `arn:aws:ecs:eu-west-1:123456789012:service/main/${service}`,
      restartMethod: "rolling" as const,
      startedAt: request.deadline - 60_000,
      deploymentId: `ecs-svc/${service}-${this.calls.length}`,
      detail: "in progress",
    }));
    return { services, problems: [], inFlight };
  }
}

/** A database without an administrative role: every administrative login is rejected. */
export class NoAdministration implements RoleAdministration {
  private readonly rejected = {
    kind: "rejected",
    sqlState: "28P01",
    detail: "no administrative role in this database",
  } as const;
  async openAdminSession(): Promise<never> {
    throw new LoginFailedError(this.rejected);
  }
  async identify() {
    return this.rejected;
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly step: string;
  readonly outcome: string;
  readonly [key: string]: unknown;
}

export class MemoryLogger implements RotationLogger {
  readonly lines: LogLine[] = [];
  info(message: string, fields: LogFields) {
    this.lines.push({ level: "INFO", message, ...fields });
  }
  warn(message: string, fields: LogFields) {
    this.lines.push({ level: "WARN", message, ...fields });
  }
  error(message: string, fields: LogFields) {
    this.lines.push({ level: "ERROR", message, ...fields });
  }
  text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join("\n");
  }
}

export class MemoryMetrics implements RotationMetrics {
  readonly recorded: Array<[string, number]> = [];
  flushes = 0;
  succeeded() {
    this.recorded.push(["RotationSucceeded", 1]);
  }
  failed() {
    this.recorded.push(["RotationFailed", 1]);
  }
  skipped() {
    this.recorded.push(["RotationSkipped", 1]);
  }
  refreshInProgress() {
    this.recorded.push(["RefreshInProgress", 1]);
  }
  duration(ms: number) {
    this.recorded.push(["RotationDuration", ms]);
  }
  publishGap(ms: number) {
    this.recorded.push(["PublishGap", ms]);
  }
  flush() {
    this.flushes++;
  }
  names(): string[] {
    return this.recorded.map(([name]) => name);
  }
}

/** A controllable clock: starts at a fixed instant, moves only when told. */
export class Clock {
  constructor(public now = Date.parse("2025-06-01T03:00:00.000Z")) {}
  readonly read = () => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface World {
  readonly config: Config;
  readonly store: FakeStore;
  readonly database: FakeDatabase;
  readonly ecs: FakeRefresher;
  readonly logger: MemoryLogger;
  readonly metrics: MemoryMetrics;
  readonly clock: Clock;
  deps(overrides?: Partial<RotationDeps>): RotationDeps;
}

/** A consistent starting state: `passwordParameter` holds what the database accepts. */
export function seededPorts(passwordParameter: string): {
  store: FakeStore;
  database: FakeDatabase;
} {
  const store = new FakeStore();
  store.values.set(passwordParameter, { value: INITIAL_PASSWORD, keyId: "alias/app" });
  return { store, database: new FakeDatabase(ROLE, INITIAL_PASSWORD) };
}

/** The ports of one rotation over seededPorts, with an ECS that refreshes web and worker. */
export function createWorld(env: NodeJS.ProcessEnv = {}): World {
  const config = testConfig(env);
  const { store, database } = seededPorts(config.parameters.password);
  const world: World = {
    config,
    store,
    database,
    ecs: new FakeRefresher(),
    logger: new MemoryLogger(),
    metrics: new MemoryMetrics(),
    clock: new Clock(),
    deps: (overrides = {}) => ({
      store: world.store,
      database: world.database,
      roles: new NoAdministration(),
      ecs: world.ecs,
      logger: world.logger,
      metrics: world.metrics,
      clock: world.clock.read,
      ...overrides,
    }),
  };
  return world;
}

/** The staged password, read from the pending parameter. */
export function stagedPassword(world: World): string | undefined {
  const text = world.store.value(world.config.parameters.pending);
  return text === undefined ? undefined : (JSON.parse(text) as { password: string }).password;
}

/** docs/design.md §Invariants 1: the password or the pending parameter holds a password the database accepts. */
export function someParameterLogsIn(world: World): boolean {
  const current = world.store.value(world.config.parameters.password);
  const staged = stagedPassword(world);
  return [current, staged].some((p) => p !== undefined && world.database.accepts(p));
}

/** A valid handler environment: one role, its password parameter and one ECS service. */
export const HANDLER_ENV = {
  DB_HOST: "db.example",
  DB_USER: ROLE,
  PASSWORD_PARAMETER: "/app/db/password",
  ECS_CLUSTER: "main",
  ECS_SERVICES: "web",
  POWERTOOLS_LOG_LEVEL: "SILENT",
};

/**
 * A handler over fresh fakes, on its own clock: the password parameter /app/db/password
 * holds what the database accepts, and the refresher reports every service refreshed.
 */
export function fakeHandler(
  env: NodeJS.ProcessEnv,
  overrides: Omit<HandlerOverrides, "env" | "clock" | "clients"> = {},
) {
  const { store, database } = seededPorts("/app/db/password");
  const refresher = new FakeRefresher();
  const clock = new Clock();
  const handler = createHandler({
    ...overrides,
    env,
    clock: clock.read,
    clients: { store, database, refresher },
  });
  return { store, database, refresher, clock, handler };
}

/**
 * For the tests of the calling file: the environment the Lambda runtime gives an on-demand
 * function, the only one in which Powertools reports cold starts.
 */
export function asOnDemandLambda(): void {
  const before = process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
  beforeEach(() => {
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = "on-demand";
  });
  afterEach(() => {
    if (before === undefined) delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    else process.env.AWS_LAMBDA_INITIALIZATION_TYPE = before;
  });
}
