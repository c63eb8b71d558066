/**
 * The Lambda's whole configuration: read once from environment variables, validated, typed.
 *
 * This file is one side of the contract with the Terraform module: `aws_lambda_function`
 * sets exactly the keys of `CONFIG_KEYS` (test/module/contract.test.ts checks both
 * directions). Optional settings may be unset or set to the empty string, which is what the
 * module writes when a variable is null.
 */
import { readFileSync } from "node:fs";
// Namespace import so esbuild can tree-shake zod (the named `z` export drags in every locale).
import * as z from "zod";
import { unknownPlaceholders } from "./database-url";
import { STRATEGY_SETTINGS as REFRESH_STRATEGY_SETTINGS, type StrategySetting } from "./ecs/types";
import { passwordPolicyProblems } from "./password";

/** Characters excluded from generated passwords unless PASSWORD_EXCLUDE_CHARACTERS says otherwise:
 * the ones that break URLs, shells, SQL literals and `.env` files. */
export const DEFAULT_EXCLUDED_CHARACTERS = "/@\"'\\:` ";

/** Each environment variable the Lambda reads, and the Terraform variable an operator changes to fix it. */
export const CONFIG_KEYS = {
  DB_HOST: "db_host",
  DB_PORT: "db_port",
  DB_NAME: "db_name",
  DB_USER: "db_username",
  DB_TLS_MODE: "db_tls_mode",
  DB_CA_BUNDLE_FILE: "db_ca_bundle_file",
  DB_CONNECT_TIMEOUT_MS: "db_connect_timeout_ms",
  DB_STATEMENT_TIMEOUT_MS: "db_statement_timeout_ms",
  PASSWORD_PARAMETER: "password_parameter_name",
  PENDING_PARAMETER: "pending_parameter_name",
  DATABASE_URL_PARAMETER: "database_url_parameter_name",
  DATABASE_URL_TEMPLATE: "database_url_template",
  KMS_KEY_ID: "parameter_kms_key_arn",
  PASSWORD_LENGTH: "password_length",
  PASSWORD_EXCLUDE_CHARACTERS: "password_exclude_characters",
  ECS_CLUSTER: "ecs_cluster_name",
  ECS_SERVICES: "ecs_service_names",
  POWERTOOLS_SERVICE_NAME: "name",
  POWERTOOLS_METRICS_NAMESPACE: "metrics_namespace",
  POWERTOOLS_LOG_LEVEL: "log_level",
  // Rotation strategy (alternating-users: two roles, zero-downtime; see lambda-src/alternating/).
  ROTATION_STRATEGY: "strategy",
  ADMIN_PARAMETER: "admin_parameter_name",
  USERNAME_PARAMETER: "username_parameter_name",
  DB_TWIN_USER: "db_twin_username",
  // ECS refresh (lambda-src/ecs/) and notifications (lambda-src/notify.ts).
  ECS_DISCOVERY_CLUSTERS: "ecs_discovery_cluster_names",
  ECS_REFRESH_STRATEGY: "ecs_refresh_strategy",
  ECS_SERVICE_STRATEGIES: "ecs_service_strategies",
  ECS_REFRESH_CONCURRENCY: "ecs_refresh_concurrency",
  ECS_WAIT_TIMEOUT_SECONDS: "ecs_wait_timeout_seconds",
  ECS_STOP_TASK_PACING_SECONDS: "ecs_stop_task_pacing_seconds",
  NOTIFY_SNS_TOPIC_ARN: "notification_sns_topic_arn",
  NOTIFY_EVENT_BUS: "notification_event_bus",
  NOTIFY_EVENT_SOURCE: "notification_event_source",
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** SSM parameter names: letters, digits and `_.-/`, at most 1011 characters, not under aws/ or ssm/. */
const SSM_NAME = /^(?!\/?(aws|ssm)[/.])[a-zA-Z0-9_.\-/]{1,1011}$/i;

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(blankToUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(schema: T, fallback: z.input<T>) =>
  z.preprocess(blankToUndefined, schema.default(fallback as never));

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int({ error: `must be a whole number from ${min} to ${max}` })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const ssmName = z.string().regex(SSM_NAME, {
  error: "must be an SSM parameter name (letters, digits, _ . - /; not starting with aws or ssm)",
});

const PLACEHOLDERS = ["username", "password", "host", "port", "database"] as const;

// ECS refresh and notification value formats.
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** A bus name, or a bus ARN (another account's bus is addressed by ARN). */
const EVENT_BUS =
  /^([A-Za-z0-9._\-/]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus\/[A-Za-z0-9._\-/]{1,256})$/;
/** EventBridge reserves sources starting with "aws." for AWS services. */
const EVENT_SOURCE = /^(?!aws\.)[A-Za-z0-9._\-/]{1,256}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** PostgreSQL truncates identifiers longer than 63 bytes (NAMEDATALEN - 1). */
const IDENTIFIER_MAX_BYTES = 63;
const fitsIdentifier = (name: string) => Buffer.byteLength(name) <= IDENTIFIER_MAX_BYTES;

export const STRATEGIES = ["single-user", "alternating-users"] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** The twin's name when DB_TWIN_USER is unset. */
export const defaultTwinUser = (user: string) => `${user}_clone`;

const envSchema = z
  .object({
    DB_HOST: z.string({ error: "is required" }).min(1, { error: "is required" }),
    DB_PORT: withDefault(integer(1, 65535), 5432),
    DB_NAME: withDefault(z.string().min(1), "postgres"),
    DB_USER: z
      .string({ error: "is required" })
      .min(1, { error: "is required" })
      .refine(fitsIdentifier, {
        error: "must be at most 63 bytes (PostgreSQL's identifier limit)",
      }),
    DB_TLS_MODE: withDefault(
      z.enum(["verify-full", "require"], {
        error:
          'must be "verify-full" (default) or "require"; plaintext connections are not supported',
      }),
      "verify-full",
    ),
    DB_CA_BUNDLE_FILE: optional(z.string()),
    DB_CONNECT_TIMEOUT_MS: withDefault(integer(100, 60000), 5000),
    DB_STATEMENT_TIMEOUT_MS: withDefault(integer(100, 600000), 10000),
    PASSWORD_PARAMETER: ssmName,
    PENDING_PARAMETER: optional(ssmName),
    DATABASE_URL_PARAMETER: optional(ssmName),
    DATABASE_URL_TEMPLATE: optional(
      z.string().refine((t) => t.includes("{password}"), {
        error: `must contain {password}; placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`,
      }),
    ),
    KMS_KEY_ID: optional(z.string()),
    PASSWORD_LENGTH: withDefault(integer(16, 128), 32),
    PASSWORD_EXCLUDE_CHARACTERS: z.preprocess(
      (v) => (v === undefined || v === "" ? DEFAULT_EXCLUDED_CHARACTERS : v),
      z.string(),
    ),
    ECS_CLUSTER: optional(z.string()),
    ECS_SERVICES: withDefault(z.string(), ""),
    POWERTOOLS_SERVICE_NAME: withDefault(z.string(), "rds-secret-rotation"),
    POWERTOOLS_METRICS_NAMESPACE: withDefault(z.string(), "RdsSecretRotation"),
    POWERTOOLS_LOG_LEVEL: withDefault(
      z.enum(["DEBUG", "INFO", "WARN", "ERROR", "SILENT", "CRITICAL"], {
        error: "must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
      }),
      "INFO",
    ),
    // --- strategy (alternating-users) ---
    ROTATION_STRATEGY: withDefault(
      z.enum(STRATEGIES, { error: 'must be "single-user" (default) or "alternating-users"' }),
      "single-user",
    ),
    ADMIN_PARAMETER: optional(ssmName),
    USERNAME_PARAMETER: optional(ssmName),
    DB_TWIN_USER: optional(
      z.string().refine(fitsIdentifier, {
        error: "must be at most 63 bytes (PostgreSQL's identifier limit)",
      }),
    ),
    // --- ECS refresh and notifications ---
    ECS_DISCOVERY_CLUSTERS: withDefault(z.string(), ""),
    ECS_REFRESH_STRATEGY: withDefault(
      z.enum(REFRESH_STRATEGY_SETTINGS, {
        error: 'must be "auto" (default), "rolling" or "stop-tasks"',
      }),
      "auto",
    ),
    ECS_SERVICE_STRATEGIES: withDefault(z.string(), ""),
    ECS_REFRESH_CONCURRENCY: withDefault(integer(1, 50), 5),
    ECS_WAIT_TIMEOUT_SECONDS: withDefault(integer(1, 900), 600),
    ECS_STOP_TASK_PACING_SECONDS: withDefault(integer(0, 600), 10),
    NOTIFY_SNS_TOPIC_ARN: optional(
      z.string().regex(SNS_TOPIC_ARN, { error: "must be an SNS topic ARN" }),
    ),
    NOTIFY_EVENT_BUS: optional(
      z.string().regex(EVENT_BUS, { error: "must be an EventBridge bus name or ARN" }),
    ),
    NOTIFY_EVENT_SOURCE: withDefault(
      z.string().regex(EVENT_SOURCE, {
        error: 'must be 1-256 letters, digits and . _ - / and must not start with "aws."',
      }),
      "rds-secret-rotation",
    ),
  })
  .superRefine((env, ctx) => {
    for (const issue of strategyIssues(env)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of refreshIssues(env)) ctx.addIssue({ code: "custom", ...issue });
    const services = splitList(env.ECS_SERVICES);
    if (services.length > 0 && !env.ECS_CLUSTER) {
      ctx.addIssue({
        code: "custom",
        path: ["ECS_CLUSTER"],
        message: "is required when ECS_SERVICES lists services",
      });
    }
    const pending = env.PENDING_PARAMETER ?? `${env.PASSWORD_PARAMETER}-pending`;
    if (pending === env.PASSWORD_PARAMETER || pending === env.DATABASE_URL_PARAMETER) {
      ctx.addIssue({
        code: "custom",
        path: ["PENDING_PARAMETER"],
        message: "must differ from PASSWORD_PARAMETER and DATABASE_URL_PARAMETER",
      });
    }
    // A policy that cannot produce a password must fail at load time, not at the first rotation.
    const policy = {
      length: env.PASSWORD_LENGTH,
      excludeCharacters: env.PASSWORD_EXCLUDE_CHARACTERS,
    };
    for (const message of passwordPolicyProblems(policy)) {
      ctx.addIssue({ code: "custom", path: ["PASSWORD_EXCLUDE_CHARACTERS"], message });
    }
    const unknown = env.DATABASE_URL_TEMPLATE ? unknownPlaceholders(env.DATABASE_URL_TEMPLATE) : [];
    if (unknown.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL_TEMPLATE"],
        message: `has unknown placeholder(s) ${unknown.map((p) => `{${p}}`).join(" ")}; placeholders: ${PLACEHOLDERS.map((p) => `{${p}}`).join(" ")}`,
      });
    }
    if (env.DATABASE_URL_PARAMETER === env.PASSWORD_PARAMETER) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL_PARAMETER"],
        message: "must differ from PASSWORD_PARAMETER",
      });
    }
  });

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
  readonly parameters: {
    readonly password: string;
    readonly pending: string;
    readonly databaseUrl: string | undefined;
    readonly databaseUrlTemplate: string;
    readonly kmsKeyId: string | undefined;
    /** Receives the published role's name after each rotation (alternating-users), if set. */
    readonly username: string | undefined;
  };
  readonly passwordPolicy: {
    readonly length: number;
    readonly excludeCharacters: string;
  };
  readonly ecs: {
    readonly cluster: string | undefined;
    readonly services: readonly string[];
  };
  readonly observability: {
    readonly serviceName: string;
    readonly metricsNamespace: string;
    readonly logLevel: string;
  };
  readonly strategy: StrategyConfig;
  /** How the ECS services are refreshed (lambda-src/ecs/); `ecs` above lists them. */
  readonly refresh: {
    /** Clusters searched for services whose task definition reads a rotated parameter. */
    readonly discoveryClusters: readonly string[];
    readonly strategy: StrategySetting;
    /** Per service, by name or cluster/name. */
    readonly serviceStrategies: Readonly<Record<string, StrategySetting>>;
    readonly concurrency: number;
    readonly waitTimeoutMs: number;
    readonly pacingMs: number;
  };
  readonly notifications: {
    readonly snsTopicArn: string | undefined;
    readonly eventBus: string | undefined;
    readonly eventSource: string;
  };
}

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

/** Raised before any side effect when the environment is incomplete or invalid. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid Lambda configuration (nothing was changed):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function describeIssue(issue: z.core.$ZodIssue, env: NodeJS.ProcessEnv): string {
  const key = String(issue.path[0] ?? "environment") as ConfigKey;
  const variable = CONFIG_KEYS[key];
  // Only echo values of settings that can never hold a secret, and never long ones.
  const raw = env[key];
  const shown = raw !== undefined && raw.length <= 200 ? ` (got ${JSON.stringify(raw)})` : "";
  const fix = variable ? `; fix: set the module variable \`${variable}\`` : "";
  return `${key} ${issue.message}${shown}${fix}`;
}

function defaultTemplate(tlsMode: string): string {
  return `postgresql://{username}:{password}@{host}:{port}/{database}?sslmode=${tlsMode}`;
}

/** Parse and validate the environment. Throws ConfigError naming every bad setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, env)));
  }
  const e = parsed.data;
  let caBundle: string | undefined;
  if (e.DB_CA_BUNDLE_FILE) {
    try {
      caBundle = readFileSync(e.DB_CA_BUNDLE_FILE, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? "unreadable";
      throw new ConfigError([
        `DB_CA_BUNDLE_FILE cannot be read (${reason}: ${e.DB_CA_BUNDLE_FILE}); fix: set the module variable \`db_ca_bundle_file\` to a PEM file present in the Lambda runtime`,
      ]);
    }
    if (!caBundle.includes("-----BEGIN CERTIFICATE-----")) {
      throw new ConfigError([
        `DB_CA_BUNDLE_FILE holds no PEM certificate (${e.DB_CA_BUNDLE_FILE}); fix: point \`db_ca_bundle_file\` at a PEM CA bundle`,
      ]);
    }
  }
  return {
    db: {
      host: e.DB_HOST,
      port: e.DB_PORT,
      database: e.DB_NAME,
      user: e.DB_USER,
      tlsMode: e.DB_TLS_MODE,
      caBundle,
      connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    },
    parameters: {
      password: e.PASSWORD_PARAMETER,
      pending: e.PENDING_PARAMETER ?? `${e.PASSWORD_PARAMETER}-pending`,
      databaseUrl: e.DATABASE_URL_PARAMETER,
      databaseUrlTemplate: e.DATABASE_URL_TEMPLATE ?? defaultTemplate(e.DB_TLS_MODE),
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
    },
    strategy:
      e.ROTATION_STRATEGY === "alternating-users" && e.ADMIN_PARAMETER !== undefined
        ? {
            kind: "alternating-users",
            adminParameter: e.ADMIN_PARAMETER,
            primaryUser: e.DB_USER,
            twinUser: e.DB_TWIN_USER ?? defaultTwinUser(e.DB_USER),
          }
        : { kind: "single-user" },
    refresh: {
      discoveryClusters: splitList(e.ECS_DISCOVERY_CLUSTERS),
      strategy: e.ECS_REFRESH_STRATEGY,
      serviceStrategies: parseServiceStrategies(e.ECS_SERVICE_STRATEGIES).strategies,
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

// ---------------------------------------------------------------------------------------
// Strategy settings (alternating-users)
// ---------------------------------------------------------------------------------------

interface StrategyEnv {
  readonly DB_USER: string;
  readonly PASSWORD_PARAMETER: string;
  readonly PENDING_PARAMETER?: string | undefined;
  readonly DATABASE_URL_PARAMETER?: string | undefined;
  readonly ROTATION_STRATEGY: StrategyName;
  readonly ADMIN_PARAMETER?: string | undefined;
  readonly USERNAME_PARAMETER?: string | undefined;
  readonly DB_TWIN_USER?: string | undefined;
}

/** Cross-setting problems of the strategy keys, each naming the key at fault. */
function strategyIssues(env: StrategyEnv): Array<{ path: [ConfigKey]; message: string }> {
  const issues: Array<{ path: [ConfigKey]; message: string }> = [];
  const others = [
    env.PASSWORD_PARAMETER,
    env.PENDING_PARAMETER ?? `${env.PASSWORD_PARAMETER}-pending`,
    env.DATABASE_URL_PARAMETER,
  ];
  if (env.USERNAME_PARAMETER !== undefined && others.includes(env.USERNAME_PARAMETER)) {
    issues.push({
      path: ["USERNAME_PARAMETER"],
      message: "must differ from PASSWORD_PARAMETER, PENDING_PARAMETER and DATABASE_URL_PARAMETER",
    });
  }
  if (env.ROTATION_STRATEGY !== "alternating-users") return issues;
  if (env.ADMIN_PARAMETER === undefined) {
    issues.push({
      path: ["ADMIN_PARAMETER"],
      message:
        'is required when ROTATION_STRATEGY is "alternating-users": the name of a SecureString holding {"username": ..., "password": ...} of a role with CREATEROLE',
    });
  } else if ([...others, env.USERNAME_PARAMETER].includes(env.ADMIN_PARAMETER)) {
    issues.push({
      path: ["ADMIN_PARAMETER"],
      message:
        "must differ from PASSWORD_PARAMETER, PENDING_PARAMETER, DATABASE_URL_PARAMETER and USERNAME_PARAMETER (the function never writes it)",
    });
  }
  const twin = env.DB_TWIN_USER ?? defaultTwinUser(env.DB_USER);
  if (!fitsIdentifier(twin)) {
    issues.push({
      path: ["DB_TWIN_USER"],
      message: `must be at most 63 bytes; the default "<DB_USER>_clone" is ${Buffer.byteLength(twin)} bytes, so set a shorter twin name`,
    });
  }
  if (twin === env.DB_USER) {
    issues.push({ path: ["DB_TWIN_USER"], message: "must differ from DB_USER" });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------
// ECS refresh and notification settings
// ---------------------------------------------------------------------------------------

/** `web=stop-tasks,orders/api=rolling` → { web: "stop-tasks", "orders/api": "rolling" }, plus what is wrong. */
function parseServiceStrategies(value: string): {
  strategies: Record<string, StrategySetting>;
  bad: string[];
} {
  const strategies: Record<string, StrategySetting> = {};
  const bad: string[] = [];
  for (const entry of splitList(value)) {
    const [service, setting, ...rest] = entry.split("=").map((s) => s.trim());
    const known = (REFRESH_STRATEGY_SETTINGS as readonly string[]).includes(setting ?? "");
    if (!service || !/^[A-Za-z0-9_\-/]+$/.test(service) || !known || rest.length > 0) {
      bad.push(entry);
    } else {
      strategies[service] = setting as StrategySetting;
    }
  }
  return { strategies, bad };
}

interface RefreshEnv {
  readonly ECS_DISCOVERY_CLUSTERS: string;
  readonly ECS_SERVICE_STRATEGIES: string;
}

/** Problems of the refresh keys that one key's schema cannot see, each naming the key at fault. */
function refreshIssues(env: RefreshEnv): Array<{ path: [ConfigKey]; message: string }> {
  const issues: Array<{ path: [ConfigKey]; message: string }> = [];
  const badClusters = splitList(env.ECS_DISCOVERY_CLUSTERS).filter((c) => !CLUSTER_NAME.test(c));
  if (badClusters.length > 0) {
    issues.push({
      path: ["ECS_DISCOVERY_CLUSTERS"],
      message: `must list cluster names (letters, digits, - and _), not ${badClusters.join(", ")}`,
    });
  }
  const { bad } = parseServiceStrategies(env.ECS_SERVICE_STRATEGIES);
  if (bad.length > 0) {
    issues.push({
      path: ["ECS_SERVICE_STRATEGIES"],
      message: `must be service=strategy pairs separated by commas, strategy one of auto, rolling, stop-tasks; bad: ${bad.join(", ")}`,
    });
  }
  return issues;
}
