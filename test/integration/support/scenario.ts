/**
 * One test's world: a fresh login role with a known password, its SSM parameters (password,
 * optionally DATABASE_URL), an ECS cluster with services, and the Lambda environment that
 * points at all of it over verify-full TLS. Fresh names per scenario keep tests independent
 * on the shared cluster and emulator.
 */
import { randomBytes } from "node:crypto";
import { harness, uniqueName, type Harness } from "../../support/harness";
import { deploymentIds, putSecureString, readParameter, seedEcs } from "./aws";

export interface ScenarioOptions {
  /** ECS services to create and refresh (default 1). */
  readonly services?: number;
  /** Seed and publish a DATABASE_URL parameter (default true). */
  readonly databaseUrl?: boolean;
  /** The role's name, from the scenario's unique id (default: the id itself). */
  readonly roleName?: (id: string) => string;
  /** KMS key the seeded parameters are encrypted with (default: aws/ssm). */
  readonly keyId?: string;
  /** Extra or replaced Lambda settings; `undefined` removes a setting. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Scenario {
  readonly h: Harness;
  readonly role: string;
  /** The password the role has and the password parameter holds before any rotation. */
  readonly initialPassword: string;
  readonly initialDatabaseUrl: string | undefined;
  readonly parameters: {
    readonly password: string;
    readonly pending: string;
    readonly databaseUrl: string | undefined;
  };
  readonly cluster: string;
  readonly services: readonly string[];
  /** The Lambda's environment (configuration keys only). */
  readonly env: NodeJS.ProcessEnv;
}

/** A password shaped like an operator's initial one; printable ASCII without URL specials. */
export function testPassword(): string {
  return `Init-${randomBytes(18).toString("base64url")}`;
}

export async function createScenario(options: ScenarioOptions = {}): Promise<Scenario> {
  const h = harness();
  const id = uniqueName("rot");
  const role = options.roleName?.(id) ?? id;
  const initialPassword = testPassword();
  const base = `/rotation-test/${id}`;
  const parameters = {
    password: `${base}/password`,
    // The config's default name, spelled out so tests can read it.
    pending: `${base}/password-pending`,
    databaseUrl: options.databaseUrl === false ? undefined : `${base}/database-url`,
  };
  const cluster = `${id}-cluster`;
  const services = Array.from({ length: options.services ?? 1 }, (_, i) => `${id}-svc${i + 1}`);

  await h.createLoginRole(role, initialPassword);
  await putSecureString(parameters.password, initialPassword, options.keyId);
  let initialDatabaseUrl: string | undefined;
  if (parameters.databaseUrl) {
    initialDatabaseUrl = `postgresql://${encodeURIComponent(role)}:${encodeURIComponent(initialPassword)}@${h.host}:${h.port}/${h.database}`;
    await putSecureString(parameters.databaseUrl, initialDatabaseUrl, options.keyId);
  }
  if (services.length > 0) await seedEcs(cluster, services);

  const settings: Record<string, string | undefined> = {
    DB_HOST: h.host,
    DB_PORT: String(h.port),
    DB_NAME: h.database,
    DB_USER: role,
    DB_TLS_MODE: "verify-full",
    DB_CA_BUNDLE_FILE: h.caFile,
    // Short, so the unreachable-database cases fail fast.
    DB_CONNECT_TIMEOUT_MS: "2000",
    DB_STATEMENT_TIMEOUT_MS: "5000",
    PASSWORD_PARAMETER: parameters.password,
    DATABASE_URL_PARAMETER: parameters.databaseUrl,
    // Each scenario its own in-flight refresh record: the moto server is shared.
    REFRESH_STATE_PARAMETER: `${base}/refresh`,
    ECS_CLUSTER: services.length > 0 ? cluster : undefined,
    ECS_SERVICES: services.join(","),
    POWERTOOLS_SERVICE_NAME: "rotation-integration-test",
    POWERTOOLS_LOG_LEVEL: "INFO",
    ...options.env,
  };
  const env = Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined),
  ) as NodeJS.ProcessEnv;

  return {
    h,
    role,
    initialPassword,
    initialDatabaseUrl,
    parameters,
    cluster,
    services,
    env,
  };
}

/** Everything a rotation may change, for "nothing changed" and "as expected" assertions. */
export interface ScenarioState {
  readonly password: { readonly value: string; readonly type: string } | undefined;
  readonly pending: { readonly value: string; readonly type: string } | undefined;
  readonly databaseUrl: { readonly value: string; readonly type: string } | undefined;
  readonly deployments: Record<string, string[]>;
}

export async function snapshot(s: Scenario): Promise<ScenarioState> {
  const strip = (p: Awaited<ReturnType<typeof readParameter>>) =>
    p ? { value: p.value, type: p.type } : undefined;
  const [password, pending, databaseUrl, deployments] = await Promise.all([
    readParameter(s.parameters.password),
    readParameter(s.parameters.pending),
    s.parameters.databaseUrl ? readParameter(s.parameters.databaseUrl) : Promise.resolve(undefined),
    deploymentIds(s.cluster, s.services),
  ]);
  return {
    password: strip(password),
    pending: strip(pending),
    databaseUrl: strip(databaseUrl),
    deployments,
  };
}
