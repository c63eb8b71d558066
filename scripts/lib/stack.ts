/**
 * The world one rotation runs in, for the demo and the benchmark: a throwaway PostgreSQL
 * cluster and the AWS emulator, seeded with a login role, its SSM parameters and an ECS
 * service whose task definition reads them, plus the Lambda environment that points at it all.
 *
 * The initial password is generated here and set through a SCRAM verifier; it lives only in
 * this process's memory and in the SecureString parameter, never in env vars or output.
 */
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { SSMClient } from "@aws-sdk/client-ssm";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../../lambda-src/config";
import { buildDatabaseUrl } from "../../lambda-src/database-url";
import { generatePassword } from "../../lambda-src/password";
import { startMoto, type AwsEmulator } from "../../test/support/moto";
import { startPostgres, type PgCluster } from "../../test/support/postgres";
import {
  putSecureString,
  readParameter,
  type StoredParameter,
} from "../../test/support/ssm-parameters";

const REGION = "us-east-1";
const ROLE = "app_user";
// moto accepts any key; these never reach AWS (the endpoint is always the emulator).
const EMULATOR_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

/**
 * The SDK warns on Node < 22 about its releases after January 2027; the warning says nothing
 * about this bundle and would bury the demo's output. Kept out of the Lambda's own defaults.
 */
const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

export interface StackNames {
  readonly role: string;
  readonly passwordParameter: string;
  readonly pendingParameter: string;
  readonly databaseUrlParameter: string;
  readonly cluster: string;
  readonly service: string;
}

export interface Deployment {
  readonly id: string;
  readonly status: string;
  readonly createdAt: Date | undefined;
}

export interface RotationStack {
  readonly pg: PgCluster;
  readonly names: StackNames;
  /** The complete environment of the Lambda process (no secrets). */
  readonly lambdaEnv: Readonly<Record<string, string>>;
  /** The password set at seeding time; in memory only. */
  readonly initialPassword: string;
  /** The parameter's decrypted value and type, or undefined when it does not exist. */
  readParameter(name: string): Promise<StoredParameter | undefined>;
  /** The DATABASE_URL the Lambda must publish for `password`. */
  expectedDatabaseUrl(password: string): string;
  deployments(): Promise<Deployment[]>;
  /** Stops both servers and removes their folders. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartStackOptions {
  /** Called as each part comes up, for progress output. */
  readonly onProgress?: (message: string) => void;
}

function lambdaEnvironment(
  pg: PgCluster,
  aws: AwsEmulator,
  names: StackNames,
  taskRoot: string,
): Record<string, string> {
  return {
    // What the Lambda runtime itself sets.
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_LAMBDA_FUNCTION_NAME: "rds-secret-rotation-demo",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    LAMBDA_TASK_ROOT: taskRoot,
    TZ: "UTC",
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_ENDPOINT_URL: aws.endpoint,
    ...QUIET_SDK,
    // What the Terraform module sets (lambda-src/config/keys.ts CONFIG_KEYS).
    DB_HOST: pg.host,
    DB_PORT: String(pg.port),
    DB_NAME: pg.database,
    DB_USER: names.role,
    DB_TLS_MODE: "verify-full",
    DB_CA_BUNDLE_FILE: pg.caFile,
    PASSWORD_PARAMETER: names.passwordParameter,
    PENDING_PARAMETER: names.pendingParameter,
    DATABASE_URL_PARAMETER: names.databaseUrlParameter,
    ECS_CLUSTER: names.cluster,
    ECS_SERVICES: names.service,
    POWERTOOLS_SERVICE_NAME: "rds-secret-rotation",
    POWERTOOLS_METRICS_NAMESPACE: "RdsSecretRotation",
    POWERTOOLS_LOG_LEVEL: "INFO",
  };
}

/** Seeds a SecureString and returns its ARN, which a task definition's secrets refer to. */
async function seedSecureString(ssm: SSMClient, name: string, value: string): Promise<string> {
  await putSecureString(ssm, name, value);
  const arn = (await readParameter(ssm, name))?.arn;
  if (!arn) throw new Error(`the emulator returned no ARN for ${name}`);
  return arn;
}

async function seedEcs(
  ecs: ECSClient,
  names: StackNames,
  parameterArns: { password: string; url: string },
) {
  await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }));
  const taskDefinition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${names.service}-task`,
      containerDefinitions: [
        {
          name: "app",
          image: "public.ecr.aws/docker/library/busybox:stable",
          memory: 128,
          essential: true,
          // ECS resolves these when a task starts: why the rotation must start new tasks.
          secrets: [
            { name: "DB_PASSWORD", valueFrom: parameterArns.password },
            { name: "DATABASE_URL", valueFrom: parameterArns.url },
          ],
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: names.cluster,
      serviceName: names.service,
      taskDefinition: taskDefinition.taskDefinition?.taskDefinitionArn,
      desiredCount: 1,
    }),
  );
}

/** Starts PostgreSQL and the emulator in parallel and seeds them; stops both if seeding fails. */
export async function startStack(
  taskRoot: string,
  options: StartStackOptions = {},
): Promise<RotationStack> {
  const progress = options.onProgress ?? (() => undefined);
  const [pgResult, awsResult] = await Promise.allSettled([startPostgres(), startMoto()]);
  const pg = pgResult.status === "fulfilled" ? pgResult.value : undefined;
  const aws = awsResult.status === "fulfilled" ? awsResult.value : undefined;
  const stopServers = async () => {
    await Promise.allSettled([pg?.stop(), aws?.stop()]);
  };
  if (!pg || !aws) {
    await stopServers();
    const reason =
      pgResult.status === "rejected"
        ? pgResult.reason
        : (awsResult as PromiseRejectedResult).reason;
    throw reason instanceof Error ? reason : new Error(String(reason));
  }
  progress(
    `PostgreSQL 15 on ${pg.host}:${pg.port} (TLS verify-full, scram-sha-256, log_statement=all)`,
  );
  progress(
    `AWS emulator on ${aws.endpoint}${aws.external ? " (yours, from AWS_ENDPOINT_URL)" : " (moto)"}`,
  );

  // Unique per run, so a shared external emulator (LocalStack) never mixes two runs.
  const run = randomBytes(3).toString("hex");
  const names: StackNames = {
    role: ROLE,
    passwordParameter: `/rotation-demo/${run}/${ROLE}/password`,
    pendingParameter: `/rotation-demo/${run}/${ROLE}/password-pending`,
    databaseUrlParameter: `/rotation-demo/${run}/${ROLE}/database-url`,
    cluster: `rotation-demo-${run}`,
    service: "orders-api",
  };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??=
    QUIET_SDK.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const clientConfig = {
    region: REGION,
    endpoint: aws.endpoint,
    credentials: EMULATOR_CREDENTIALS,
  };
  const ssm = new SSMClient(clientConfig);
  const ecs = new ECSClient(clientConfig);
  const lambdaEnv = lambdaEnvironment(pg, aws, names, taskRoot);
  const config = loadConfig(lambdaEnv);
  const expectedDatabaseUrl = (password: string) =>
    buildDatabaseUrl(config.parameters.databaseUrlTemplate, {
      username: config.db.user,
      password,
      host: config.db.host,
      port: config.db.port,
      database: config.db.database,
    });

  const stop = async () => {
    ssm.destroy();
    ecs.destroy();
    await stopServers();
  };

  try {
    const initialPassword = generatePassword(config.passwordPolicy);
    await pg.createLoginRole(names.role, initialPassword);
    progress(`role ${names.role} created with a generated password (sent as a SCRAM verifier)`);
    const passwordArn = await seedSecureString(ssm, names.passwordParameter, initialPassword);
    const urlArn = await seedSecureString(
      ssm,
      names.databaseUrlParameter,
      expectedDatabaseUrl(initialPassword),
    );
    progress(`SSM SecureString parameters ${names.passwordParameter} and …/database-url`);
    await seedEcs(ecs, names, { password: passwordArn, url: urlArn });
    progress(
      `ECS cluster ${names.cluster}, service ${names.service} (its task reads both parameters as secrets)`,
    );

    const deployments = async (): Promise<Deployment[]> => {
      const out = await ecs.send(
        new DescribeServicesCommand({ cluster: names.cluster, services: [names.service] }),
      );
      return (out.services?.[0]?.deployments ?? []).map((d) => ({
        id: d.id ?? "?",
        status: d.status ?? "?",
        createdAt: d.createdAt,
      }));
    };
    return {
      pg,
      names,
      lambdaEnv,
      initialPassword,
      readParameter: (name) => readParameter(ssm, name),
      expectedDatabaseUrl,
      deployments,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
