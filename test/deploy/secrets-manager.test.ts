/**
 * examples/secrets-manager, deployed and run: a real `terraform init` + `apply` with the real
 * aws provider against an emulator (emulator.ts), the secret's rotation configuration, the
 * function's resource policy, role and environment read back through the AWS API, then the
 * deployed code (byte for byte dist/rotator.zip) invoked with Secrets Manager's four step
 * events under the Node.js major of its runtime, against the throwaway PostgreSQL; then `plan`
 * (no changes but the emulator's known drift) and `destroy`.
 *
 * The emulator's limits met here are in EMULATOR_DRIFT and the comments that say "moto".
 */
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type ContainerDefinition,
} from "@aws-sdk/client-ecs";
import { GetFunctionCommand, GetPolicyCommand } from "@aws-sdk/client-lambda";
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  SecretsManagerClient,
  type DescribeSecretCommandOutput,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { CONFIG_KEYS } from "../../lambda-src/config";
import { deploymentIds, ecs } from "../integration/support/aws";
import { harness } from "../support/harness";
import { invokeDeployed, rolePolicy, scheduleRules } from "./deployed-code";
import { deployedExample } from "./deployed-example";
import { createSecretsManagerInfrastructure } from "./fixture";
import { expectedDrift, MOTO_RULE_DESCRIPTION, planDrift, type KnownDrift } from "./plan-drift";

const FUNCTION_NAME = "orders-secret-rotation";
const SERVICE = "orders-app";
const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;

/**
 * moto 5.2.5 keeps only AutomaticallyAfterDays of a secret's rotation rules and reports
 * RotationEnabled only when that is set: for a secret rotated on a ScheduleExpression it
 * answers DescribeSecret with RotationEnabled false and no ScheduleExpression, so the provider
 * reads the rotation back as disabled (README "Testing"; AWS keeps both).
 */
const MOTO_ROTATION_RULES: KnownDrift = {
  attributes: ["rotation_lambda_arn", "rotation_rules"],
  reason:
    "moto's DescribeSecret drops RotationRules.ScheduleExpression and reports RotationEnabled " +
    "false for a schedule without AutomaticallyAfterDays",
};

/** Differences a second plan shows right after apply that the emulator causes, not the example. */
const EMULATOR_DRIFT: Record<string, KnownDrift> = {
  'module.rotation.aws_vpc_security_group_egress_rule.this["database"]': MOTO_RULE_DESCRIPTION,
  "module.rotation.aws_vpc_security_group_ingress_rule.database[0]": MOTO_RULE_DESCRIPTION,
  "aws_vpc_security_group_egress_rule.app_to_db": MOTO_RULE_DESCRIPTION,
  "aws_vpc_security_group_ingress_rule.db_from_app": MOTO_RULE_DESCRIPTION,
  "aws_ecs_service.app": {
    attributes: ["availability_zone_rebalancing"],
    reason: "moto's DescribeServices leaves out availabilityZoneRebalancing",
  },
  "module.rotation.aws_secretsmanager_secret_rotation.this[0]": MOTO_ROTATION_RULES,
};

const h = harness();
const d = deployedExample({
  example: "secrets-manager",
  functionName: FUNCTION_NAME,
  createInfrastructure: createSecretsManagerInfrastructure,
});
// After the fixture's beforeAll, so that the client sees the emulator's AWS_ENDPOINT_URL.
let secrets: SecretsManagerClient;
beforeAll(() => {
  secrets = new SecretsManagerClient({});
});
afterAll(() => secrets?.destroy());

const describeSecret = (): Promise<DescribeSecretCommandOutput> =>
  secrets.send(new DescribeSecretCommand({ SecretId: d.infra.secretArn }));

/** The secret's value under `stage`, or undefined when no version carries it. */
async function valueAt(stage: string): Promise<{ username: string; password: string } | undefined> {
  try {
    const { SecretString = "{}" } = await secrets.send(
      new GetSecretValueCommand({ SecretId: d.infra.secretArn, VersionStage: stage }),
    );
    return JSON.parse(SecretString) as { username: string; password: string };
  } catch (error) {
    if ((error as Error).name === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

async function versionsWith(stage: string): Promise<string[]> {
  const { Versions = [] } = await secrets.send(
    new ListSecretVersionIdsCommand({ SecretId: d.infra.secretArn }),
  );
  return Versions.filter((v) => (v.VersionStages ?? []).includes(stage)).map(
    (v) => v.VersionId ?? "",
  );
}

describe("the deployed rotation, read back through the AWS API", () => {
  test("the secret's rotation function is the deployed function", async () => {
    const secret = await describeSecret();
    expect(secret.RotationLambdaARN).toBe(d.deployed.FunctionArn);
    // What Terraform sent, since moto does not keep it (MOTO_ROTATION_RULES): the example's
    // schedule as Secrets Manager's rotation_rules, and no rotation at apply time.
    const state = JSON.parse(d.terraform(["show", "-json", "-no-color"]).stdout) as {
      values: {
        root_module: {
          child_modules: { resources: { address: string; values: Record<string, unknown> }[] }[];
        };
      };
    };
    const rotation = state.values.root_module.child_modules
      .flatMap((m) => m.resources)
      .find((r) => r.address === "module.rotation.aws_secretsmanager_secret_rotation.this[0]");
    expect(rotation?.values).toMatchObject({
      secret_id: d.infra.secretArn,
      rotate_immediately: false,
    });
    // Applying did not rotate: AWSCURRENT still holds the password the database accepts.
    expect((await valueAt("AWSCURRENT"))?.password).toBe(d.infra.initialPassword);
    expect(await h.canLogin(d.infra.role, d.infra.initialPassword)).toBe(true);
  });

  test("Secrets Manager may invoke the function for this account's secrets; the resume and deployment rules target it, no rotate rule", async () => {
    const rules = await scheduleRules(d.deployed.FunctionArn ?? "");
    expect(Object.keys(rules).sort()).toEqual([
      `${FUNCTION_NAME}-deployments`,
      `${FUNCTION_NAME}-resume`,
    ]);
    const resume = rules[`${FUNCTION_NAME}-resume`];
    const deployments = rules[`${FUNCTION_NAME}-deployments`];
    expect(JSON.parse(resume?.targets[0]?.Input ?? "null")).toEqual({ action: "resume" });

    const { Policy = "{}" } = await d.lambda.send(
      new GetPolicyCommand({ FunctionName: FUNCTION_NAME }),
    );
    const statements = (JSON.parse(Policy) as { Statement: Record<string, unknown>[] }).Statement;
    const account = (d.deployed.FunctionArn ?? "").split(":")[4];
    expect(statements).toHaveLength(3);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: "lambda:InvokeFunction",
          Principal: { Service: "secretsmanager.amazonaws.com" },
          Condition: { StringEquals: { "AWS:SourceAccount": account } },
        }),
        expect.objectContaining({
          Principal: { Service: "events.amazonaws.com" },
          Condition: { ArnLike: { "AWS:SourceArn": resume?.rule.Arn } },
        }),
        expect.objectContaining({
          Principal: { Service: "events.amazonaws.com" },
          Condition: { ArnLike: { "AWS:SourceArn": deployments?.rule.Arn } },
        }),
      ]),
    );
  });

  test("environment: every configuration key, the store and the secret; no SSM setting", () => {
    const env = d.deployed.Environment?.Variables ?? {};
    expect(Object.keys(env).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    expect(env).toMatchObject({
      SECRET_STORE: "secretsmanager",
      SECRET_ARN: d.infra.secretArn,
      ADMIN_SECRET_ARN: "",
      PASSWORD_PARAMETER: "",
      PENDING_PARAMETER: "",
      DATABASE_URL_PARAMETER: "",
      KMS_KEY_ID: "",
      DB_HOST: h.host,
      DB_USER: d.infra.role,
      ECS_CLUSTER: d.infra.cluster,
      ECS_SERVICES: SERVICE,
      REFRESH_STATE_PARAMETER: `/rds-secret-rotation/${FUNCTION_NAME}/refresh`,
    });
  });

  test("IAM: read this secret, stage and label it while the function rotates it; SSM only for the in-flight refresh record", async () => {
    const { policyCount, grants } = await rolePolicy(d.deployed.Role ?? "");
    expect(policyCount).toBe(1);
    expect(grants.ReadOwnSecret).toEqual({
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
      resources: [d.infra.secretArn],
    });
    expect(grants.StageAndLabelOwnSecret).toEqual({
      actions: ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      resources: [d.infra.secretArn],
      condition: {
        StringEquals: { "secretsmanager:resource/AllowRotationLambdaArn": d.deployed.FunctionArn },
      },
    });
    // The one SSM parameter with either store: the in-flight refresh record, a String (no secret).
    expect(grants.TrackInFlightRefresh).toEqual({
      actions: ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
      resources: [
        `arn:aws:ssm:${d.deployed.FunctionArn?.split(":")[3]}:${d.deployed.FunctionArn?.split(":")[4]}:parameter/rds-secret-rotation/${FUNCTION_NAME}/refresh`,
      ],
    });
    expect(grants.TrackInFlightRefreshParts).toEqual({
      actions: ["ssm:DeleteParameters", "ssm:GetParameters", "ssm:PutParameter"],
      resources: [`${grants.TrackInFlightRefresh?.resources[0]}/part-*`],
    });
    const all = Object.entries(grants)
      .filter(([sid]) => !sid.startsWith("TrackInFlightRefresh"))
      .map(([, grant]) => grant);
    expect(all.flatMap((g) => g.actions).filter((a) => a.startsWith("ssm:"))).toEqual([]);
    for (const { actions, resources } of all) {
      if (resources.includes("*")) {
        expect(actions.filter((a) => a.startsWith("secretsmanager:"))).toEqual([]);
      }
    }
  });

  test("the example's service reads the secret's JSON keys", async () => {
    const { services = [] } = await ecs().send(
      new DescribeServicesCommand({ cluster: d.infra.cluster, services: [SERVICE] }),
    );
    const { taskDefinition } = await ecs().send(
      new DescribeTaskDefinitionCommand({ taskDefinition: services[0]?.taskDefinition }),
    );
    const container = taskDefinition?.containerDefinitions?.[0] as ContainerDefinition;
    expect(container.secrets).toEqual([
      { name: "PGUSER", valueFrom: `${d.infra.secretArn}:username::` },
      { name: "PGPASSWORD", valueFrom: `${d.infra.secretArn}:password::` },
    ]);
  });
});

describe("the deployed code, invoked as Secrets Manager invokes it", () => {
  const step = (name: (typeof STEPS)[number], token: string) =>
    invokeDeployed(d.code, d.deployed.Runtime ?? "", {
      Step: name,
      SecretId: d.infra.secretArn,
      ClientRequestToken: token,
    });

  test("configuring rotation: Secrets Manager's testSecret on its AWSPENDING copy of the value passes and changes nothing", async () => {
    // RotateSecret with RotateImmediately false (the module's rotate_immediately = false) makes
    // Secrets Manager check the function: an AWSPENDING version holding the current value and
    // a testSecret step for it (AWS then removes that version; moto leaves it, and the first
    // rotation below must recover it). The function must pass it, or apply would fail on AWS.
    const [token] = await versionsWith("AWSPENDING");
    expect(token).toBeDefined();
    expect((await valueAt("AWSPENDING"))?.password).toBe(d.infra.initialPassword);
    const run = await step("testSecret", token ?? "");
    expect(run.outcome).toMatchObject({ ok: true, result: { outcome: "step-completed" } });
    expect((await valueAt("AWSCURRENT"))?.password).toBe(d.infra.initialPassword);
    expect(await h.canLogin(d.infra.role, d.infra.initialPassword)).toBe(true);
  });

  test("the four steps rotate: AWSCURRENT holds a password the database accepts, the old one is refused, the service is redeployed", async () => {
    const before = await deploymentIds(d.infra.cluster, [SERVICE]);
    const token = randomUUID();
    const outcomes: string[] = [];
    let output = "";
    for (const name of STEPS) {
      const run = await step(name, token);
      outcomes.push(run.outcome?.ok ? run.outcome.result.outcome : "failed");
      output += `${run.stdout}${run.stderr}`;
      // The invariant at every step: AWSCURRENT or AWSPENDING holds an accepted password.
      const candidates = [await valueAt("AWSCURRENT"), await valueAt("AWSPENDING")];
      const accepted = await Promise.all(
        candidates.map((c) => (c ? h.canLogin(c.username, c.password) : false)),
      );
      expect(accepted).toContain(true);
    }
    expect(outcomes).toEqual(["step-completed", "step-completed", "step-completed", "rotated"]);

    const current = await valueAt("AWSCURRENT");
    expect(current?.username).toBe(d.infra.role);
    expect(current?.password).not.toBe(d.infra.initialPassword);
    expect(await h.canLogin(d.infra.role, current?.password ?? "")).toBe(true);
    expect(await h.canLogin(d.infra.role, d.infra.initialPassword)).toBe(false);
    expect(await versionsWith("AWSCURRENT")).toEqual([token]);
    expect(await versionsWith("AWSPENDING")).toEqual([]);
    expect((await valueAt("AWSPREVIOUS"))?.password).toBe(d.infra.initialPassword);

    const after = await deploymentIds(d.infra.cluster, [SERVICE]);
    expect(after[SERVICE]?.[0]).not.toBe(before[SERVICE]?.[0]);
    // The secret never reaches the function's output.
    expect(output).not.toContain(current?.password ?? "");
    expect(output).not.toContain(d.infra.initialPassword);
  });

  test("a retried step with the same token changes nothing", async () => {
    const current = await valueAt("AWSCURRENT");
    const [token] = await versionsWith("AWSCURRENT");
    const run = await step("finishSecret", token ?? "");
    expect(run.outcome).toMatchObject({ ok: true });
    expect(await valueAt("AWSCURRENT")).toEqual(current);
    expect(await h.canLogin(d.infra.role, current?.password ?? "")).toBe(true);
  });
});

describe("after the rotation", () => {
  test("a second plan changes nothing but the emulator's known drift", () => {
    expect(planDrift(d.terraform)).toEqual(expectedDrift(EMULATOR_DRIFT));
    // The rotation the plan would set again is the one apply sent (moto forgot its rules).
    const plan = JSON.parse(d.terraform(["show", "-json", "-no-color", "tfplan"]).stdout) as {
      resource_changes: { address: string; change: { after: Record<string, unknown> } }[];
    };
    const rotation = plan.resource_changes.find(
      (r) => r.address === "module.rotation.aws_secretsmanager_secret_rotation.this[0]",
    );
    expect(rotation?.change.after).toMatchObject({
      secret_id: d.infra.secretArn,
      rotation_lambda_arn: d.deployed.FunctionArn,
      rotate_immediately: false,
      rotation_rules: [{ schedule_expression: "cron(0 3 ? * SUN *)" }],
    });
  });

  test("destroy removes everything the example created; the secret stays, with its rotated value", async () => {
    d.terraform(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    await expect(
      d.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME })),
    ).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    expect(d.terraform(["state", "list"]).stdout.trim()).toBe("");
    // The module does not own the secret: the applications read it and it outlives the rotator.
    const current = await valueAt("AWSCURRENT");
    expect(await h.canLogin(d.infra.role, current?.password ?? "")).toBe(true);
  });
});
