/**
 * `npm run demo -- --store secretsmanager`: the demo's rotation through Secrets Manager's four
 * steps. The stack is the SSM demo's (PostgreSQL, the emulator, the role); on top of it an
 * RDS-format JSON secret holds the role's password, rotation is enabled on it, and an ECS
 * service reads its password key (`<arn>:password::`), found by discovery. The bundle runs in
 * a separate node process and is invoked with createSecret, setSecret, testSecret and
 * finishSecret for one token, the way Secrets Manager calls a rotation function; after each
 * step the secret's labels are printed (passwords as fingerprints) and the invariant checked.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  CreateServiceCommand,
  DescribeServicesCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { findLeaks } from "../../test/support/secret-scan";
import type { Cleanup } from "./cleanup";
import { Checks, fingerprint, heading, info, printDeployments } from "./demo-output";
import { LambdaProcess } from "./lambda-process";
import { prepareStackAndBundle } from "./prepare";
import type { RotationStack } from "./stack";
import { formatLambdaLine, SECRETS_MANAGER_STEP_PURPOSE } from "./step-lines";

const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
const SSM_ONLY = ["PASSWORD_PARAMETER", "PENDING_PARAMETER", "DATABASE_URL_PARAMETER"];

interface Version {
  readonly id: string;
  readonly stages: readonly string[];
  readonly value: { username: string; password: string } | undefined;
}

function clients(stack: RotationStack) {
  const config = {
    region: stack.lambdaEnv.AWS_REGION,
    endpoint: stack.lambdaEnv.AWS_ENDPOINT_URL,
    credentials: {
      accessKeyId: stack.lambdaEnv.AWS_ACCESS_KEY_ID ?? "",
      secretAccessKey: stack.lambdaEnv.AWS_SECRET_ACCESS_KEY ?? "",
    },
  };
  return { sm: new SecretsManagerClient(config), ecs: new ECSClient(config) };
}

/** The secret, rotation enabled, and a service reading its password key; the Lambda's env. */
async function seed(stack: RotationStack, sm: SecretsManagerClient, ecs: ECSClient) {
  const { names, pg } = stack;
  const secret = {
    engine: "postgres",
    host: pg.host,
    port: pg.port,
    dbname: pg.database,
    username: names.role,
    password: stack.initialPassword,
  };
  const created = await sm.send(
    new CreateSecretCommand({
      Name: `rotation-demo/${names.cluster}/${names.role}`,
      SecretString: JSON.stringify(secret),
    }),
  );
  const arn = created.ARN ?? "";
  await sm.send(
    new RotateSecretCommand({
      SecretId: arn,
      RotationRules: { AutomaticallyAfterDays: 7 },
      RotateImmediately: false,
    }),
  );
  const service = "billing-api";
  const definition = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${service}-task`,
      containerDefinitions: [
        {
          name: "app",
          image: "public.ecr.aws/docker/library/busybox:stable",
          memory: 128,
          secrets: [{ name: "DB_PASSWORD", valueFrom: `${arn}:password::` }],
        },
      ],
    }),
  );
  await ecs.send(
    new CreateServiceCommand({
      cluster: names.cluster,
      serviceName: service,
      taskDefinition: definition.taskDefinition?.taskDefinitionArn,
      desiredCount: 1,
    }),
  );
  // The SSM store's keys and the listed service go: the secret replaces them (config/store-rules.ts).
  const dropped = new Set([...SSM_ONLY, "ECS_SERVICES", "ECS_CLUSTER"]);
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(stack.lambdaEnv).filter(([key]) => !dropped.has(key))),
    SECRET_STORE: "secretsmanager",
    SECRET_ARN: arn,
    ECS_DISCOVERY_CLUSTERS: names.cluster,
  };
  return { arn, service, env };
}

async function versions(sm: SecretsManagerClient, arn: string): Promise<Version[]> {
  const listed = await sm.send(new ListSecretVersionIdsCommand({ SecretId: arn }));
  const labelled = (listed.Versions ?? []).filter((v) => (v.VersionStages ?? []).length > 0);
  return Promise.all(
    labelled.map(async (v) => {
      const id = v.VersionId ?? "";
      const out = await sm
        .send(new GetSecretValueCommand({ SecretId: arn, VersionId: id }))
        .catch(() => undefined);
      const value = out?.SecretString ? JSON.parse(out.SecretString) : undefined;
      return { id, stages: v.VersionStages ?? [], value };
    }),
  );
}

export async function demoSecretsManager(cleanup: Cleanup): Promise<boolean> {
  const started = performance.now();
  const checks = new Checks();
  heading(
    "1. Start PostgreSQL and the AWS emulator; seed a Secrets Manager secret; build the bundle",
  );
  const { stack, bundle } = await prepareStackAndBundle(cleanup, "demo", info);
  const { sm, ecs } = clients(stack);
  cleanup.add("close the demo's clients", () => {
    sm.destroy();
    ecs.destroy();
  });
  const { arn, service, env } = await seed(stack, sm, ecs);
  info(`secret ${arn}: RDS-format JSON, rotation enabled`);
  info(`ECS service ${service} reads ${arn}:password:: (found by discovery)`);
  const deployments = async () => {
    const out = await ecs.send(
      new DescribeServicesCommand({ cluster: stack.names.cluster, services: [service] }),
    );
    return (out.services?.[0]?.deployments ?? []).map((d) => ({
      id: d.id ?? "?",
      status: d.status ?? "?",
      createdAt: d.createdAt,
    }));
  };
  const before = await deployments();
  printDeployments(`ECS service ${service}, deployments before`, before);
  const seen = new Map<string, string>([["old password", stack.initialPassword]]);

  heading("2. Secrets Manager's four steps for one token, through the bundle in its own process");
  const { process: lambda } = await LambdaProcess.start({
    indexPath: bundle.indexPath,
    env,
    onLine: (line) => {
      const shown = formatLambdaLine(line, SECRETS_MANAGER_STEP_PURPOSE);
      if (shown !== undefined) console.log(shown);
    },
  });
  cleanup.add("stop the Lambda process", () => lambda.kill());
  const token = randomUUID();
  for (const step of STEPS) {
    info(`handler({"Step":"${step}","SecretId":"<secret arn>","ClientRequestToken":"${token}"})`);
    const outcome = await lambda.invoke({ Step: step, SecretId: arn, ClientRequestToken: token });
    if (!outcome.ok) {
      console.log(`\n   ${step} failed: ${outcome.error.name}: ${outcome.error.message}`);
      await lambda.close();
      return false;
    }
    const result = outcome.result as { outcome?: unknown };
    info(`${step} returned outcome=${String(result.outcome)} in ${outcome.ms.toFixed(0)} ms`);
    let accepted = false;
    for (const v of await versions(sm, arn)) {
      if (v.value) seen.set(`password of version ${v.id}`, v.value.password);
      const logsIn = v.value ? await stack.pg.canLogin(v.value.username, v.value.password) : false;
      if (logsIn && (v.stages.includes("AWSCURRENT") || v.stages.includes("AWSPENDING"))) {
        accepted = true;
      }
      const shown = v.value ? `password ${fingerprint(v.value.password)}` : "no value";
      info(
        `  ${v.stages.join(",").padEnd(22)} ${v.id}  ${shown}  logs in: ${logsIn ? "yes" : "no"}`,
      );
    }
    checks.check(accepted, "AWSCURRENT or AWSPENDING holds a password the database accepts");
  }
  await lambda.close();

  heading("3. What changed");
  const after = await deployments();
  printDeployments(`ECS service ${service}, deployments after`, after);
  checks.check(after[0]?.id !== before[0]?.id, "the service reading the secret was redeployed");
  const final = await versions(sm, arn);
  const current = final.find((v) => v.stages.includes("AWSCURRENT"));
  checks.check(current?.id === token, "AWSCURRENT is on the token's version");
  checks.check(!final.some((v) => v.stages.includes("AWSPENDING")), "no AWSPENDING is left");
  const newPassword = current?.value?.password ?? "";
  info(`fingerprints: old ${fingerprint(stack.initialPassword)}, new ${fingerprint(newPassword)}`);

  heading("4. Proof against the database (fresh verify-full TLS connections)");
  const role = stack.names.role;
  checks.check(!(await stack.pg.canLogin(role, stack.initialPassword)), "old password rejected");
  checks.check(await stack.pg.canLogin(role, newPassword), "new password accepted");
  const secrets = Object.fromEntries(seen);
  const leaks = [
    ...findLeaks(lambda.output.join("\n"), "the Lambda's output", secrets),
    ...findLeaks(stack.pg.readServerLog(), "the PostgreSQL statement log", secrets),
  ];
  for (const leak of leaks)
    console.log(`   LEAK: ${leak.secret} (${leak.spelling}) in ${leak.where} ✘`);
  checks.check(
    leaks.length === 0,
    "no password in the Lambda's logs or the PostgreSQL statement log",
  );

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  heading(
    checks.failed === 0
      ? `Done in ${seconds} s: four steps, AWSCURRENT moved, verified, refreshed.`
      : `${checks.failed} check(s) failed (${seconds} s)`,
  );
  return checks.failed === 0;
}
