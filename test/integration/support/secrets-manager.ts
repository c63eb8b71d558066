/**
 * The world of a Secrets Manager rotation (SECRET_STORE=secretsmanager): a login role on the
 * shared cluster, an RDS-format JSON secret in moto holding its password, rotation enabled on
 * it, optionally ECS services (listed, or discovered through a task definition that reads
 * the secret with a JSON key), and with alternating-users an administrative role whose
 * credentials sit in a second secret named by `masterarn`. moto's RotateSecret would invoke a
 * Lambda it hosts, not our handler, so the tests invoke the handler with Secrets Manager's
 * four step events themselves, as Secrets Manager does.
 */
import { randomUUID } from "node:crypto";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { escapeIdentifier } from "pg";
import type { RotationHandler } from "../../../lambda-src/handler";
import { harness, uniqueName, type Harness } from "../../support/harness";
import { ecs, seedEcs } from "./aws";
import { lambdaContext } from "./context";
import { createCluster, createService, registerTaskDefinition } from "./ecs-emulator";
import { testPassword } from "./scenario";

let client: SecretsManagerClient | undefined;

export function secretsManager(): SecretsManagerClient {
  client ??= new SecretsManagerClient({});
  return client;
}

export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type Step = (typeof STEPS)[number];

export interface SmScenarioOptions {
  readonly strategy?: "single-user" | "alternating-users";
  /** Listed ECS services (default 0). */
  readonly services?: number;
  /** One service found by discovery, its task definition reading `<arn>:password::`. */
  readonly discovered?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface SmScenario {
  readonly h: Harness;
  readonly role: string;
  readonly twin: string;
  readonly initialPassword: string;
  readonly secretArn: string;
  readonly secretName: string;
  readonly adminSecretArn: string | undefined;
  readonly cluster: string;
  readonly services: readonly string[];
  readonly env: NodeJS.ProcessEnv;
}

async function createSecret(name: string, value: object): Promise<string> {
  const out = await secretsManager().send(
    new CreateSecretCommand({ Name: name, SecretString: JSON.stringify(value) }),
  );
  return out.ARN ?? "";
}

export async function createSmScenario(options: SmScenarioOptions = {}): Promise<SmScenario> {
  const h = harness();
  const id = uniqueName("sm");
  const alternating = options.strategy === "alternating-users";
  const initialPassword = testPassword();
  await h.createLoginRole(id, initialPassword);
  let adminSecretArn: string | undefined;
  if (alternating) {
    const admin = { username: `${id}_admin`, password: testPassword() };
    await h.createLoginRole(admin.username, admin.password);
    await h.admin(`ALTER ROLE ${escapeIdentifier(admin.username)} CREATEROLE`);
    await h.admin(`GRANT CREATE ON SCHEMA public TO ${escapeIdentifier(id)}`);
    adminSecretArn = await createSecret(`rotation-test/${id}/admin`, admin);
  }
  const secretName = `rotation-test/${id}/db`;
  const secretArn = await createSecret(secretName, {
    engine: "postgres",
    host: h.host,
    port: h.port,
    dbname: h.database,
    username: id,
    password: initialPassword,
    ...(adminSecretArn ? { masterarn: adminSecretArn } : {}),
  });
  await enableRotation(secretArn);
  const cluster = `${id}-cluster`;
  const services = Array.from({ length: options.services ?? 0 }, (_, i) => `${id}-svc${i + 1}`);
  if (services.length > 0) await seedEcs(cluster, services);
  if (options.discovered) await seedDiscovered(cluster, `${id}-reader`, secretArn);
  const settings: Record<string, string | undefined> = {
    DB_HOST: h.host,
    DB_PORT: String(h.port),
    DB_NAME: h.database,
    DB_USER: id,
    DB_TLS_MODE: "verify-full",
    DB_CA_BUNDLE_FILE: h.caFile,
    DB_CONNECT_TIMEOUT_MS: "2000",
    DB_STATEMENT_TIMEOUT_MS: "5000",
    SECRET_STORE: "secretsmanager",
    SECRET_ARN: secretArn,
    ADMIN_SECRET_ARN: adminSecretArn,
    ROTATION_STRATEGY: options.strategy,
    ECS_CLUSTER: services.length > 0 ? cluster : undefined,
    ECS_SERVICES: services.join(","),
    ECS_DISCOVERY_CLUSTERS: options.discovered ? cluster : undefined,
    POWERTOOLS_SERVICE_NAME: "rotation-integration-test",
    POWERTOOLS_LOG_LEVEL: "INFO",
    ...options.env,
  };
  const env = Object.fromEntries(
    Object.entries(settings).filter(([, v]) => v !== undefined),
  ) as NodeJS.ProcessEnv;
  const twin = `${id}_clone`;
  return {
    h,
    role: id,
    twin,
    initialPassword,
    secretArn,
    secretName,
    adminSecretArn,
    cluster,
    services,
    env,
  };
}

/**
 * Rotation enabled, as aws_secretsmanager_secret_rotation leaves it. Without a rotation
 * Lambda, moto's RotateSecret just labels a copy of the value AWSCURRENT.
 */
async function enableRotation(secretArn: string): Promise<void> {
  await secretsManager().send(
    new RotateSecretCommand({
      SecretId: secretArn,
      RotationRules: { AutomaticallyAfterDays: 30 },
      RotateImmediately: false,
    }),
  );
}

/** A service whose task definition reads only the secret's password key (ECS's JSON-key form). */
async function seedDiscovered(cluster: string, name: string, secretArn: string): Promise<void> {
  await createCluster(ecs(), cluster);
  const taskDefinition = await registerTaskDefinition(ecs(), `${name}-td`, [
    { name: "DB_PASSWORD", valueFrom: `${secretArn}:password::` },
  ]);
  await createService(ecs(), cluster, { name, taskDefinition });
}

export function stepEvent(s: SmScenario, step: Step, token: string, secretId = s.secretArn) {
  return { Step: step, SecretId: secretId, ClientRequestToken: token };
}

/** Invoke `handler` with the four steps for one token, as Secrets Manager does. */
export async function rotateThroughSteps(
  handler: RotationHandler,
  s: SmScenario,
  token: string = randomUUID(),
  after: (step: Step) => Promise<void> = async () => undefined,
) {
  const results = [];
  for (const step of STEPS) {
    results.push(await handler(stepEvent(s, step, token), lambdaContext()));
    await after(step);
  }
  return results;
}

export interface StoredVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
}

/** The versions that carry a staging label. */
export async function labelledVersions(s: SmScenario): Promise<StoredVersion[]> {
  const out = await secretsManager().send(
    new ListSecretVersionIdsCommand({ SecretId: s.secretArn }),
  );
  return (out.Versions ?? [])
    .filter((v) => (v.VersionStages ?? []).length > 0)
    .map((v) => ({ versionId: v.VersionId ?? "", stages: v.VersionStages ?? [] }));
}

export interface RdsValue {
  readonly username: string;
  readonly password: string;
  readonly [key: string]: unknown;
}

/** The value labelled `stage` (default AWSCURRENT), or undefined when no version has it. */
export async function readStage(
  s: SmScenario,
  stage = "AWSCURRENT",
): Promise<RdsValue | undefined> {
  try {
    const out = await secretsManager().send(
      new GetSecretValueCommand({ SecretId: s.secretArn, VersionStage: stage }),
    );
    return JSON.parse(out.SecretString ?? "{}") as RdsValue;
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

/** §Invariant: AWSCURRENT or AWSPENDING holds a password the database accepts. */
export async function expectInvariant(s: SmScenario): Promise<void> {
  const candidates = [await readStage(s, "AWSCURRENT"), await readStage(s, "AWSPENDING")];
  const accepted = [];
  for (const c of candidates) {
    if (c !== undefined && (await s.h.canLogin(c.username, c.password))) accepted.push(c);
  }
  if (accepted.length === 0) throw new Error("neither AWSCURRENT nor AWSPENDING logs in");
}

/**
 * A new AWSCURRENT version, put under a label of its own and then moved the way the function
 * moves labels: moto's PutSecretValue relabels only the version it last made current itself
 * (test/support/EMULATOR.md).
 */
export async function putCurrent(s: SmScenario, value: string): Promise<void> {
  const token = randomUUID();
  const SecretId = s.secretArn;
  await secretsManager().send(
    new PutSecretValueCommand({
      SecretId,
      SecretString: value,
      ClientRequestToken: token,
      VersionStages: ["TEST"],
    }),
  );
  const current = (await labelledVersions(s)).find((v) => v.stages.includes("AWSCURRENT"));
  await secretsManager().send(
    new UpdateSecretVersionStageCommand({
      SecretId,
      VersionStage: "AWSCURRENT",
      MoveToVersionId: token,
      RemoveFromVersionId: current?.versionId,
    }),
  );
}
