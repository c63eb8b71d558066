/**
 * The environment's schema: each key's format and default, then the rules that involve
 * several keys. Every problem names the key at fault; `index.ts` adds the Terraform variable
 * that fixes it. Optional settings may be unset or "", which is what the module writes for
 * a null variable.
 */
// Namespace import so esbuild can tree-shake zod (the named `z` export drags in every locale).
import * as z from "zod/mini";
import { URL_PLACEHOLDERS, unknownPlaceholders } from "../database-url";
import { passwordPolicyProblems } from "../password";
import { parameterClashes, pendingParameterName, twinUserName } from "./derived";
import { storeIssues, type Issue } from "./store-rules";

/**
 * Characters excluded from generated passwords unless PASSWORD_EXCLUDE_CHARACTERS says
 * otherwise: `/ @ :` (URL delimiters, for tools that do not percent-encode), quotes,
 * backslash, backtick and space (they end or escape a quoted string in shells and SQL),
 * `$` (interpolation in `.env` files, docker compose and double-quoted shell strings) and `#`
 * (a comment in `.env` files). Other shell metacharacters stay: a password belongs in double
 * quotes. 85 characters remain: 32 of them give 205 bits.
 */
export const DEFAULT_EXCLUDED_CHARACTERS = "/@\"'\\:` $#";

export const STRATEGIES = ["single-user", "alternating-users"] as const;

/**
 * Parallel service deployments: the default starts a fleet of up to 100 services in one wave
 * (their waits share the DescribeServices calls, lambda-src/ecs/poller.ts), so a refresh takes
 * about as long as its slowest deployment. The cap bounds how many services start new tasks
 * at once (database connections, cluster capacity, the ECS API's rate limits).
 */
export const DEFAULT_REFRESH_CONCURRENCY = 100;
export const MAX_REFRESH_CONCURRENCY = 500;

/** Where the rotated password lives: SSM parameters, or one Secrets Manager secret. */
export const SECRET_STORES = ["ssm", "secretsmanager"] as const;

/** How a service's tasks are restarted: `auto` chooses from its deployment controller. */
export const RESTART_METHOD_SETTINGS = ["auto", "rolling", "stop-tasks"] as const;
export type RestartMethodSetting = (typeof RESTART_METHOD_SETTINGS)[number];

/** SSM parameter names: letters, digits and `_.-/`, at most 1011 characters, not aws/ or ssm/. */
const SSM_NAME = /^(?!\/?(aws|ssm)[/.])[a-zA-Z0-9_.\-/]{1,1011}$/i;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** A bus name, or a bus ARN (another account's bus is addressed by ARN). */
const BUS_NAME = "[A-Za-z0-9._\\-/]{1,256}";
const EVENT_BUS = new RegExp(
  `^(${BUS_NAME}|arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/${BUS_NAME})$`,
);
/** EventBridge reserves sources starting with "aws." for AWS services. */
const EVENT_SOURCE = /^(?!aws\.)[A-Za-z0-9._\-/]{1,256}$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** A Secrets Manager secret's full ARN (name plus the 6-character suffix Secrets Manager adds). */
const SECRET_ARN =
  /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+-[A-Za-z0-9]{6}$/;

/** PostgreSQL truncates identifiers longer than 63 bytes (NAMEDATALEN - 1). */
const IDENTIFIER_MAX_BYTES = 63;
const fitsIdentifier = (name: string) => Buffer.byteLength(name) <= IDENTIFIER_MAX_BYTES;
const PLACEHOLDER_LIST = URL_PLACEHOLDERS.map((p) => `{${p}}`).join(" ");

const blankToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;
const optional = <T extends z.ZodMiniType>(schema: T) =>
  z.pipe(z.transform(blankToUndefined), z.optional(schema));
const withDefault = <T extends z.ZodMiniType>(schema: T, fallback: z.input<T>) =>
  z.pipe(z.transform(blankToUndefined), z._default(schema, fallback as never));

const integer = (min: number, max: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .check(
      z.int({ error: `must be a whole number from ${min} to ${max}` }),
      z.gte(min, { error: `must be at least ${min}` }),
      z.lte(max, { error: `must be at most ${max}` }),
    );

const required = () =>
  z.string({ error: "is required" }).check(z.minLength(1, { error: "is required" }));
const matching = (pattern: RegExp, error: string) => z.string().check(z.regex(pattern, { error }));
const ssmName = matching(
  SSM_NAME,
  "must be an SSM parameter name (letters, digits, _ . - /; not starting with aws or ssm)",
);
const shortIdentifier = () =>
  z.refine<string>(fitsIdentifier, {
    error: "must be at most 63 bytes (PostgreSQL's identifier limit)",
  });

export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const keyFormats = z.object({
  DB_HOST: required(),
  DB_PORT: withDefault(integer(1, 65535), 5432),
  DB_NAME: withDefault(z.string().check(z.minLength(1)), "postgres"),
  DB_USER: required().check(shortIdentifier()),
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
  PASSWORD_PARAMETER: optional(ssmName),
  PENDING_PARAMETER: optional(ssmName),
  REFRESH_STATE_PARAMETER: optional(ssmName),
  DATABASE_URL_PARAMETER: optional(ssmName),
  DATABASE_URL_TEMPLATE: optional(
    z.string().check(
      z.refine((t) => t.includes("{password}"), {
        error: `must contain {password}; placeholders: ${PLACEHOLDER_LIST}`,
      }),
    ),
  ),
  KMS_KEY_ID: optional(z.string()),
  PASSWORD_LENGTH: withDefault(integer(16, 128), 32),
  PASSWORD_EXCLUDE_CHARACTERS: z.pipe(
    z.transform((v) => (v === undefined || v === "" ? DEFAULT_EXCLUDED_CHARACTERS : v)),
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
  // Powertools' own switch; the Tracer reads it too, so it keeps Powertools' name and values.
  POWERTOOLS_TRACE_ENABLED: withDefault(
    z.enum(["true", "false"], { error: 'must be "true" or "false"' }),
    "false",
  ),
  ROTATION_STRATEGY: withDefault(
    z.enum(STRATEGIES, { error: 'must be "single-user" (default) or "alternating-users"' }),
    "single-user",
  ),
  ADMIN_PARAMETER: optional(ssmName),
  USERNAME_PARAMETER: optional(ssmName),
  DB_TWIN_USER: optional(z.string().check(shortIdentifier())),
  ECS_DISCOVERY_CLUSTERS: withDefault(z.string(), ""),
  ECS_RESTART_METHOD: withDefault(
    z.enum(RESTART_METHOD_SETTINGS, {
      error: 'must be "auto" (default), "rolling" or "stop-tasks"',
    }),
    "auto",
  ),
  ECS_SERVICE_RESTART_METHODS: withDefault(z.string(), ""),
  ECS_REFRESH_CONCURRENCY: withDefault(
    integer(1, MAX_REFRESH_CONCURRENCY),
    DEFAULT_REFRESH_CONCURRENCY,
  ),
  ECS_WAIT_TIMEOUT_SECONDS: withDefault(integer(1, 900), 600),
  ECS_STOP_TASK_PACING_SECONDS: withDefault(integer(0, 600), 10),
  NOTIFY_SNS_TOPIC_ARN: optional(matching(SNS_TOPIC_ARN, "must be an SNS topic ARN")),
  NOTIFY_EVENT_BUS: optional(matching(EVENT_BUS, "must be an EventBridge bus name or ARN")),
  SECRET_STORE: withDefault(
    z.enum(SECRET_STORES, { error: 'must be "ssm" (default) or "secretsmanager"' }),
    "ssm",
  ),
  SECRET_ARN: optional(matching(SECRET_ARN, "must be a Secrets Manager secret's full ARN")),
  ADMIN_SECRET_ARN: optional(matching(SECRET_ARN, "must be a Secrets Manager secret's full ARN")),
  NOTIFY_EVENT_SOURCE: withDefault(
    matching(
      EVENT_SOURCE,
      'must be 1-256 letters, digits and . _ - / and must not start with "aws."',
    ),
    "rds-secret-rotation",
  ),
});

export type Env = z.output<typeof keyFormats>;

/** `web=stop-tasks,orders/api=rolling` → { web: "stop-tasks", "orders/api": "rolling" }, and
 * the entries that are wrong. */
export function parseServiceRestartMethods(value: string): {
  methods: Record<string, RestartMethodSetting>;
  bad: string[];
} {
  const methods: Record<string, RestartMethodSetting> = {};
  const bad: string[] = [];
  for (const entry of splitList(value)) {
    const [service, setting, ...rest] = entry.split("=").map((s) => s.trim());
    const known = (RESTART_METHOD_SETTINGS as readonly string[]).includes(setting ?? "");
    if (!service || !/^[A-Za-z0-9_\-/]+$/.test(service) || !known || rest.length > 0) {
      bad.push(entry);
    } else {
      methods[service] = setting as RestartMethodSetting;
    }
  }
  return { methods, bad };
}

const alternating = (env: Env) => env.ROTATION_STRATEGY === "alternating-users";

/** One parameter per job; see `parameterClashes`. */
function parameterIssues(env: Env): Issue[] {
  if (env.PASSWORD_PARAMETER === undefined) return [];
  const clashes = parameterClashes({
    PASSWORD_PARAMETER: env.PASSWORD_PARAMETER,
    PENDING_PARAMETER: pendingParameterName(env.PASSWORD_PARAMETER, env.PENDING_PARAMETER),
    DATABASE_URL_PARAMETER: env.DATABASE_URL_PARAMETER,
    USERNAME_PARAMETER: env.USERNAME_PARAMETER,
    ADMIN_PARAMETER: alternating(env) ? env.ADMIN_PARAMETER : undefined,
  });
  return clashes.map(({ key, clashesWith }) => ({
    path: [key],
    message: `must differ from ${clashesWith}: each parameter has one job`,
  }));
}

/** The alternating-users keys: the administrative parameter and a valid twin name. */
function strategyIssues(env: Env): Issue[] {
  if (!alternating(env)) return [];
  const issues: Issue[] = [];
  if (env.ADMIN_PARAMETER === undefined && env.SECRET_STORE === "ssm") {
    issues.push({
      path: ["ADMIN_PARAMETER"],
      message:
        'is required when ROTATION_STRATEGY is "alternating-users": the name of a SecureString ' +
        'holding {"username": ..., "password": ...} of a role with CREATEROLE',
    });
  }
  const twin = twinUserName(env.DB_USER, env.DB_TWIN_USER);
  if (!fitsIdentifier(twin)) {
    issues.push({
      path: ["DB_TWIN_USER"],
      message:
        `must be at most 63 bytes; the default "<DB_USER>_clone" is ${Buffer.byteLength(twin)} ` +
        "bytes, so set a shorter twin name",
    });
  }
  if (twin === env.DB_USER) {
    issues.push({ path: ["DB_TWIN_USER"], message: "must differ from DB_USER" });
  }
  return issues;
}

/** The ECS lists, the password policy and the URL template: formats one key's schema cannot see. */
function valueIssues(env: Env): Issue[] {
  const issues: Issue[] = [];
  if (splitList(env.ECS_SERVICES).length > 0 && !env.ECS_CLUSTER) {
    issues.push({ path: ["ECS_CLUSTER"], message: "is required when ECS_SERVICES lists services" });
  }
  const badClusters = splitList(env.ECS_DISCOVERY_CLUSTERS).filter((c) => !CLUSTER_NAME.test(c));
  if (badClusters.length > 0) {
    issues.push({
      path: ["ECS_DISCOVERY_CLUSTERS"],
      message: `must list cluster names (letters, digits, - and _), not ${badClusters.join(", ")}`,
    });
  }
  const { bad } = parseServiceRestartMethods(env.ECS_SERVICE_RESTART_METHODS);
  if (bad.length > 0) {
    issues.push({
      path: ["ECS_SERVICE_RESTART_METHODS"],
      message:
        "must be service=method pairs separated by commas, method one of auto, rolling, " +
        `stop-tasks; bad: ${bad.join(", ")}`,
    });
  }
  // A policy that cannot produce a password must fail at load time, not at the first rotation.
  const policy = {
    length: env.PASSWORD_LENGTH,
    excludeCharacters: env.PASSWORD_EXCLUDE_CHARACTERS,
  };
  for (const { setting, message } of passwordPolicyProblems(policy)) {
    const key = setting === "length" ? "PASSWORD_LENGTH" : "PASSWORD_EXCLUDE_CHARACTERS";
    issues.push({ path: [key], message });
  }
  const unknown = env.DATABASE_URL_TEMPLATE ? unknownPlaceholders(env.DATABASE_URL_TEMPLATE) : [];
  if (unknown.length > 0) {
    issues.push({
      path: ["DATABASE_URL_TEMPLATE"],
      message:
        `has unknown placeholder(s) ${unknown.map((p) => `{${p}}`).join(" ")}; ` +
        `placeholders: ${PLACEHOLDER_LIST}`,
    });
  }
  return issues;
}

export const envSchema = keyFormats.check(
  z.superRefine((env, ctx) => {
    const all = [...valueIssues(env), ...parameterIssues(env), ...strategyIssues(env)];
    for (const issue of [...all, ...storeIssues(env)]) {
      ctx.addIssue({ code: "custom", ...issue });
    }
  }),
);
