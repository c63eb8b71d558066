/**
 * The Lambda's whole configuration: read once from environment variables, validated, typed.
 * The keys and their Terraform variables are in keys.ts, their formats and cross-key rules
 * in schema.ts, derived defaults in derived.ts (docs/design.md §Configuration contract).
 */
import { readFileSync } from "node:fs";
import { pendingParameterName, refreshStateParameterName, twinUserName } from "./derived";
import { CONFIG_KEYS, type ConfigKey } from "./keys";
import { missingStoreKey } from "./store-rules";
import {
  envSchema,
  parseServiceRestartMethods,
  splitList,
  type Env,
  type RestartMethodSetting,
} from "./schema";

export { CONFIG_KEYS, type ConfigKey } from "./keys";
export { pendingParameterName, twinUserName } from "./derived";
export {
  DEFAULT_EXCLUDED_CHARACTERS,
  RESTART_METHOD_SETTINGS,
  SECRET_STORES,
  STRATEGIES,
  type RestartMethodSetting,
} from "./schema";

/** How a service's tasks are restarted so that they read the new value (lambda-src/ecs/). */
export type RestartMethod = Exclude<RestartMethodSetting, "auto">;

export interface Config {
  readonly db: {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly tlsMode: "verify-full" | "require";
    /** PEM text of the CA bundle, or undefined for Node's default trust store. */
    readonly caBundle: string | undefined;
    readonly connectTimeoutMs: number;
    readonly statementTimeoutMs: number;
  };
  /** Where the password lives (see `SecretStoreConfig`). */
  readonly secretStore: SecretStoreConfig;
  /** The SSM store's parameters; with SECRET_STORE=secretsmanager none is read or written. */
  readonly parameters: {
    /** "" in secretsmanager mode, where PASSWORD_PARAMETER is not required. */
    readonly password: string;
    readonly pending: string;
    /** The in-flight refresh record (a String, no secret; core/refresh-record.ts). */
    readonly refreshState: string;
    readonly databaseUrl: string | undefined;
    readonly databaseUrlTemplate: string;
    readonly kmsKeyId: string | undefined;
    /** Receives the staged role's name after each rotation, if set. */
    readonly username: string | undefined;
  };
  readonly passwordPolicy: {
    readonly length: number;
    readonly excludeCharacters: string;
  };
  /** The listed ECS services and their cluster. */
  readonly ecs: {
    readonly cluster: string | undefined;
    readonly services: readonly string[];
  };
  readonly observability: {
    readonly serviceName: string;
    readonly metricsNamespace: string;
    readonly logLevel: string;
    /** X-Ray tracing through the Powertools Tracer (lambda-src/tracing.ts). */
    readonly tracingEnabled: boolean;
  };
  /** The rotation strategy (lambda-src/strategies/). */
  readonly strategy: StrategyConfig;
  /** How the ECS services are refreshed (lambda-src/ecs/); `ecs` above lists them. */
  readonly refresh: {
    /** Clusters searched for services whose task definition reads a rotated parameter. */
    readonly discoveryClusters: readonly string[];
    readonly restartMethod: RestartMethodSetting;
    /** Per service (by name or cluster/name), overriding `restartMethod`. */
    readonly serviceRestartMethods: Readonly<Record<string, RestartMethodSetting>>;
    /** Services refreshed at the same time. */
    readonly concurrency: number;
    /** Longest wait for one service, before the Lambda's remaining time caps it. */
    readonly waitTimeoutMs: number;
    /** stop-tasks: pause after a replacement is ready, before stopping the next task. */
    readonly pacingMs: number;
  };
  readonly notifications: {
    readonly snsTopicArn: string | undefined;
    readonly eventBus: string | undefined;
    readonly eventSource: string;
  };
}

/**
 * ssm: the password parameter and the pending parameter (core/protocol.ts). secretsmanager:
 * one RDS-format JSON secret whose versions Secrets Manager's four steps move
 * (core/secrets-manager/).
 */
export type SecretStoreConfig =
  | { readonly kind: "ssm" }
  | {
      readonly kind: "secretsmanager";
      readonly secretArn: string;
      /** alternating-users: the secret the rotated secret's `masterarn` must name. */
      readonly adminSecretArn: string | undefined;
    };

export type SecretsManagerConfig = Extract<SecretStoreConfig, { kind: "secretsmanager" }>;

/** single-user changes the role's own password; alternating-users switches between two roles. */
export type StrategyConfig =
  | { readonly kind: "single-user" }
  | {
      readonly kind: "alternating-users";
      /** SecureString holding {"username": ..., "password": ...} of a role with CREATEROLE. */
      readonly adminParameter: string;
      /** DB_USER: owns the objects; the twin logs in as itself and acts as this role. */
      readonly primaryUser: string;
      readonly twinUser: string;
    };

export type AlternatingUsersConfig = Extract<StrategyConfig, { kind: "alternating-users" }>;

/** Raised before any side effect when the environment is incomplete or invalid. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    const list = problems.map((p) => `  - ${p}`).join("\n");
    super(`Invalid Lambda configuration (nothing was changed):\n${list}`);
  }
}

/** "KEY problem (got value); fix: set the module variable `name`". */
function describeProblem(key: ConfigKey | undefined, problem: string, env: NodeJS.ProcessEnv) {
  const variable = key === undefined ? undefined : CONFIG_KEYS[key];
  // Only echo values of settings that can never hold a secret, and never long ones.
  const raw = key === undefined ? undefined : env[key];
  const shown = raw !== undefined && raw.length <= 200 ? ` (got ${JSON.stringify(raw)})` : "";
  const fix = variable ? `; fix: set the module variable \`${variable}\`` : "";
  return `${key ?? "environment"} ${problem}${shown}${fix}`;
}

function readCaBundle(file: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
    const problem = `cannot be read (${reason}), so point it at a PEM file in the Lambda runtime`;
    throw new ConfigError([describeProblem("DB_CA_BUNDLE_FILE", problem, env)]);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    const problem = "holds no PEM certificate, so point it at a PEM CA bundle";
    throw new ConfigError([describeProblem("DB_CA_BUNDLE_FILE", problem, env)]);
  }
  return text;
}

function strategyOf(e: Env): StrategyConfig {
  // In secretsmanager mode the administrative credentials are the ADMIN_SECRET_ARN secret.
  const admin = e.SECRET_STORE === "ssm" ? e.ADMIN_PARAMETER : e.ADMIN_SECRET_ARN;
  if (e.ROTATION_STRATEGY !== "alternating-users" || admin === undefined) {
    return { kind: "single-user" };
  }
  return {
    kind: "alternating-users",
    adminParameter: admin,
    primaryUser: e.DB_USER,
    twinUser: twinUserName(e.DB_USER, e.DB_TWIN_USER),
  };
}

function configError(
  zodIssues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly message: string }>,
  env: NodeJS.ProcessEnv,
): ConfigError {
  const issues = zodIssues.map((i) => ({ key: i.path[0] as ConfigKey, message: i.message }));
  // A format error skips the cross-key rules; the store's required key is still named.
  const store = missingStoreKey(env);
  if (store !== undefined && !issues.some((i) => i.key === store.path[0])) {
    issues.push({ key: store.path[0], message: store.message });
  }
  return new ConfigError(issues.map((i) => describeProblem(i.key, i.message, env)));
}

function secretStoreOf(e: Env): SecretStoreConfig {
  return e.SECRET_STORE === "secretsmanager" && e.SECRET_ARN !== undefined
    ? { kind: "secretsmanager", secretArn: e.SECRET_ARN, adminSecretArn: e.ADMIN_SECRET_ARN }
    : { kind: "ssm" };
}

/** Parse and validate the environment. Throws ConfigError naming every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Parsed once per cold start: zod's compiled fast path would cost more to build than it saves.
  const parsed = envSchema.safeParse(env, { jitless: true });
  if (!parsed.success) throw configError(parsed.error.issues, env);
  const e = parsed.data;
  return {
    db: {
      host: e.DB_HOST,
      port: e.DB_PORT,
      database: e.DB_NAME,
      user: e.DB_USER,
      tlsMode: e.DB_TLS_MODE,
      caBundle: readCaBundle(e.DB_CA_BUNDLE_FILE, env),
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    },
    secretStore: secretStoreOf(e),
    parameters: {
      password: e.PASSWORD_PARAMETER ?? "",
      pending: pendingParameterName(e.PASSWORD_PARAMETER ?? "", e.PENDING_PARAMETER),
      refreshState: refreshStateParameterName(e.POWERTOOLS_SERVICE_NAME, e.REFRESH_STATE_PARAMETER),
      databaseUrl: e.DATABASE_URL_PARAMETER,
      databaseUrlTemplate:
        e.DATABASE_URL_TEMPLATE ??
        `postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=${e.DB_TLS_MODE}`,
      kmsKeyId: e.KMS_KEY_ID,
      username: e.USERNAME_PARAMETER,
    },
    passwordPolicy: {
      length: e.PASSWORD_LENGTH,
      excludeCharacters: e.PASSWORD_EXCLUDE_CHARACTERS,
    },
    ecs: { cluster: e.ECS_CLUSTER, services: splitList(e.ECS_SERVICES) },
    observability: {
      serviceName: e.POWERTOOLS_SERVICE_NAME,
      metricsNamespace: e.POWERTOOLS_METRICS_NAMESPACE,
      logLevel: e.POWERTOOLS_LOG_LEVEL,
      tracingEnabled: e.POWERTOOLS_TRACE_ENABLED === "true",
    },
    strategy: strategyOf(e),
    refresh: {
      discoveryClusters: splitList(e.ECS_DISCOVERY_CLUSTERS),
      restartMethod: e.ECS_RESTART_METHOD,
      serviceRestartMethods: parseServiceRestartMethods(e.ECS_SERVICE_RESTART_METHODS).methods,
      concurrency: e.ECS_REFRESH_CONCURRENCY,
      waitTimeoutMs: e.ECS_WAIT_TIMEOUT_SECONDS * 1000,
      pacingMs: e.ECS_STOP_TASK_PACING_SECONDS * 1000,
    },
    notifications: {
      snsTopicArn: e.NOTIFY_SNS_TOPIC_ARN,
      eventBus: e.NOTIFY_EVENT_BUS,
      eventSource: e.NOTIFY_EVENT_SOURCE,
    },
  };
}

/**
 * Whether a rotation has services to refresh: listed ones of a cluster, or clusters to search.
 * Takes `{ ...config.ecs, ...config.refresh }` or the refresher's own settings.
 */
export function hasRefreshTargets(targets: {
  readonly cluster: string | undefined;
  readonly services: readonly string[];
  readonly discoveryClusters: readonly string[];
}): boolean {
  const listed = targets.cluster !== undefined && targets.services.length > 0;
  return listed || targets.discoveryClusters.length > 0;
}
