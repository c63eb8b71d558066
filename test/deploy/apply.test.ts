/**
 * examples/existing-infrastructure, deployed and run: a real `terraform init` + `apply` with
 * the real aws provider against an emulator (a moto of its own, see emulator.ts, or the user's
 * AWS_ENDPOINT_URL, e.g. LocalStack), the deployed function read back through the AWS API, its code (byte for
 * byte dist/rotator.zip) run with exactly the environment Terraform gave it under the Node.js
 * major of its runtime against the throwaway PostgreSQL, then `plan` (no changes) and
 * `destroy` (nothing of the module left).
 *
 * The emulator's limits met here, and what the test does about each, are in EMULATOR_DRIFT and
 * the comments that say "emulator"; README "Testing" lists them too.
 */
import {
  DescribeAlarmsCommand,
  CloudWatchClient,
  type MetricAlarm,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { DescribeSecurityGroupsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  GetFunctionCommand,
  GetFunctionEventInvokeConfigCommand,
  GetPolicyCommand,
} from "@aws-sdk/client-lambda";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { CONFIG_KEYS } from "../../lambda-src/config";
import { deploymentIds, readParameter } from "../integration/support/aws";
import type { ChildRun } from "../integration/support/child";
import { harness } from "../support/harness";
import { lambdaNodeBin, tools } from "../support/tools";
import { BUNDLE, invokeDeployed, rolePolicy, scheduleRules } from "./deployed-code";
import { deployedExample } from "./deployed-example";
import { createExistingInfrastructure } from "./fixture";
import { expectedDrift, MOTO_RULE_DESCRIPTION, planDrift, type KnownDrift } from "./plan-drift";

const FUNCTION_NAME = "existing-db-rotation";

/** Differences a second plan shows right after apply that the emulator causes, not the module. */
const EMULATOR_DRIFT: Record<string, KnownDrift> = {
  'module.rotation.aws_vpc_security_group_egress_rule.this["database"]': MOTO_RULE_DESCRIPTION,
  "module.rotation.aws_vpc_security_group_ingress_rule.database[0]": MOTO_RULE_DESCRIPTION,
};

const h = harness();
const d = deployedExample({
  example: "existing-infrastructure",
  functionName: FUNCTION_NAME,
  createInfrastructure: createExistingInfrastructure,
});

describe("the d.deployed function, read back through the AWS API", () => {
  test("runtime, handler, limits, concurrency 1 and no async retries", async () => {
    expect(d.deployed).toMatchObject({
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Timeout: 600,
      MemorySize: 256,
      PackageType: "Zip",
    });
    const { Concurrency } = await d.lambda.send(
      new GetFunctionCommand({ FunctionName: FUNCTION_NAME }),
    );
    expect(Concurrency?.ReservedConcurrentExecutions).toBe(1);
    const invoke = await d.lambda.send(
      new GetFunctionEventInvokeConfigCommand({ FunctionName: FUNCTION_NAME }),
    );
    expect(invoke).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600 });
  });

  test("its code is dist/rotator.zip, byte for byte", () => {
    const sha = createHash("sha256").update(readFileSync(BUNDLE)).digest("base64");
    expect(d.deployed.CodeSha256).toBe(sha);
  });

  test("VPC config: the given subnets and only the module's own security group", async () => {
    const vpc = d.deployed.VpcConfig;
    expect([...(vpc?.SubnetIds ?? [])].sort()).toEqual([...d.infra.subnetIds].sort());
    expect(vpc?.SecurityGroupIds).toHaveLength(1);
    // moto answers every function's VpcId with a placeholder; the group shows the real VPC.
    const ec2 = new EC2Client({});
    const { SecurityGroups = [] } = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: vpc?.SecurityGroupIds }),
    );
    ec2.destroy();
    expect(SecurityGroups[0]?.VpcId).toBe(d.infra.vpcId);
  });

  test("environment: every configuration key, pointing at the given database and parameters", () => {
    const env = d.deployed.Environment?.Variables ?? {};
    expect(Object.keys(env).sort()).toEqual(Object.keys(CONFIG_KEYS).sort());
    expect(env).toMatchObject({
      DB_HOST: h.host,
      DB_PORT: String(h.port),
      DB_NAME: h.database,
      DB_USER: d.infra.role,
      DB_TLS_MODE: "verify-full",
      DB_CA_BUNDLE_FILE: h.caFile,
      PASSWORD_PARAMETER: d.infra.passwordParameter,
      PENDING_PARAMETER: `${d.infra.passwordParameter}-pending`,
      DATABASE_URL_PARAMETER: d.infra.databaseUrlParameter,
      ECS_CLUSTER: d.infra.cluster,
      ECS_SERVICES: d.infra.service,
      REFRESH_STATE_PARAMETER: `/rds-secret-rotation/${FUNCTION_NAME}/refresh`,
      POWERTOOLS_SERVICE_NAME: FUNCTION_NAME,
    });
  });

  test("two schedules and the deployment rule target the function, and each may invoke it", async () => {
    const rules = await scheduleRules(d.deployed.FunctionArn ?? "");
    expect(Object.keys(rules).sort()).toEqual([
      `${FUNCTION_NAME}-deployments`,
      `${FUNCTION_NAME}-resume`,
      `${FUNCTION_NAME}-schedule`,
    ]);
    const rotate = rules[`${FUNCTION_NAME}-schedule`];
    const resume = rules[`${FUNCTION_NAME}-resume`];
    const deployments = rules[`${FUNCTION_NAME}-deployments`];
    for (const schedule of [rotate, resume]) {
      expect(schedule?.rule.State).toBe("ENABLED");
      expect(schedule?.targets.map((target) => target.Arn)).toEqual([d.deployed.FunctionArn]);
    }
    expect(rotate?.rule.ScheduleExpression).toMatch(/^(rate|cron)\(/);
    expect(JSON.parse(rotate?.targets[0]?.Input ?? "null")).toEqual({ action: "rotate" });
    expect(resume?.rule.ScheduleExpression).toBe("rate(1 hour)");
    expect(JSON.parse(resume?.targets[0]?.Input ?? "null")).toEqual({ action: "resume" });

    // In-flight refresh: the ends of the listed service's deployments, delivered as ECS sends
    // them (no Input: the handler reads the event itself).
    const account = (d.deployed.FunctionArn ?? "").split(":")[4];
    expect(deployments?.rule.State).toBe("ENABLED");
    expect(JSON.parse(deployments?.rule.EventPattern ?? "null")).toEqual({
      source: ["aws.ecs"],
      "detail-type": ["ECS Deployment State Change"],
      resources: [
        `arn:aws:ecs:${h.aws.region}:${account}:service/${d.infra.cluster}/${d.infra.service}`,
      ],
      detail: { eventName: ["SERVICE_DEPLOYMENT_COMPLETED", "SERVICE_DEPLOYMENT_FAILED"] },
    });
    expect(deployments?.targets.map((target) => target.Arn)).toEqual([d.deployed.FunctionArn]);
    expect(deployments?.targets[0]?.Input).toBeUndefined();

    const { Policy = "{}" } = await d.lambda.send(
      new GetPolicyCommand({ FunctionName: FUNCTION_NAME }),
    );
    const statements = (JSON.parse(Policy) as { Statement: Record<string, unknown>[] }).Statement;
    expect(statements).toHaveLength(3);
    expect(statements).toEqual(
      expect.arrayContaining(
        [rotate, resume, deployments].map((schedule) =>
          expect.objectContaining({
            Action: "lambda:InvokeFunction",
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnLike: { "AWS:SourceArn": schedule?.rule.Arn } },
          }),
        ),
      ),
    );
  });

  test("its log group and the three alarms, which notify the given topic", async () => {
    const logs = new CloudWatchLogsClient({});
    const { logGroups = [] } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${FUNCTION_NAME}` }),
    );
    logs.destroy();
    expect(logGroups.map((g) => g.logGroupName)).toEqual([`/aws/lambda/${FUNCTION_NAME}`]);
    expect(logGroups[0]?.retentionInDays).toBeGreaterThan(0);

    const cloudwatch = new CloudWatchClient({});
    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: FUNCTION_NAME }),
    );
    cloudwatch.destroy();
    const byMetric = (metric: string): MetricAlarm | undefined =>
      MetricAlarms.find((alarm) => alarm.MetricName === metric);
    expect(MetricAlarms).toHaveLength(3);
    expect(byMetric("Errors")).toMatchObject({
      Namespace: "AWS/Lambda",
      Dimensions: [{ Name: "FunctionName", Value: FUNCTION_NAME }],
      AlarmActions: [d.infra.alarmTopicArn],
    });
    expect(byMetric("RotationFailed")).toMatchObject({ AlarmActions: [d.infra.alarmTopicArn] });
    expect(byMetric("RotationSkipped")).toMatchObject({ AlarmActions: [d.infra.alarmTopicArn] });
  });

  test("IAM: Lambda may assume the role; its one policy grants exactly these statements", async () => {
    const { trust, policyCount, grants } = await rolePolicy(d.deployed.Role ?? "");
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: "lambda.amazonaws.com" },
        Action: "sts:AssumeRole",
      }),
    ]);
    expect(policyCount).toBe(1);
    const account = (d.deployed.FunctionArn ?? "").split(":")[4];
    const ssm = `arn:aws:ssm:${h.aws.region}:${account}:parameter`;
    expect(grants).toMatchObject({
      ReadAndPublishParameters: {
        actions: ["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"],
        resources: [
          `${ssm}${d.infra.databaseUrlParameter}`,
          `${ssm}${d.infra.passwordParameter}`,
        ].sort(),
      },
      StageAndClearPendingParameter: {
        actions: [
          "ssm:DeleteParameter",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:PutParameter",
        ],
        resources: [`${ssm}${d.infra.passwordParameter}-pending`],
      },
      TrackInFlightRefresh: {
        actions: ["ssm:DeleteParameter", "ssm:GetParameter", "ssm:PutParameter"],
        resources: [`${ssm}/rds-secret-rotation/${FUNCTION_NAME}/refresh`],
      },
      TrackInFlightRefreshParts: {
        actions: ["ssm:DeleteParameters", "ssm:GetParameters", "ssm:PutParameter"],
        resources: [`${ssm}/rds-secret-rotation/${FUNCTION_NAME}/refresh/part-*`],
      },
      RefreshEcsServices: {
        actions: ["ecs:DescribeServices", "ecs:UpdateService"],
        resources: [
          `arn:aws:ecs:${h.aws.region}:${account}:service/${d.infra.cluster}/${d.infra.service}`,
        ],
      },
      WriteOwnLogs: {
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [
          `arn:aws:logs:${h.aws.region}:${account}:log-group:/aws/lambda/${FUNCTION_NAME}:*`,
        ],
      },
    });
    // No statement hands out SSM or ECS writes on every resource.
    for (const { actions, resources } of Object.values(grants)) {
      if (resources.includes("*")) {
        expect(actions.filter((a) => /^(ssm|ecs):(Put|Delete|Update|Stop)/.test(a))).toEqual([]);
      }
    }
  });
});

const invoke = (runtime: string, event: unknown): Promise<ChildRun> =>
  invokeDeployed(d.code, runtime, event);

/** Every runtime the module accepts: setup installs one Node.js per value variables.tf allows. */
const ACCEPTED_RUNTIMES = Object.keys(tools().lambdaNodeBins)
  .sort((a, b) => Number(a) - Number(b))
  .map((major) => `nodejs${major}.x`);

/** What the bundled AWS SDK prints at init on a Node.js its next releases no longer support. */
const NODE_VERSION_WARNING = "NodeVersionSupportWarning";

describe("the d.deployed code, run with the d.deployed environment", () => {
  test.each(ACCEPTED_RUNTIMES)(
    "the Node.js that runs it under %s is that runtime's major",
    (runtime) => {
      const major = /^nodejs(\d+)\.x$/.exec(runtime)?.[1];
      const bin = lambdaNodeBin(runtime);
      expect(execFileSync(bin, ["--version"], { encoding: "utf8" }).trim()).toMatch(
        new RegExp(`^v${major}\\.`),
      );
    },
  );

  test("the d.deployed runtime is the first of them, so its rotation runs first", () => {
    expect(ACCEPTED_RUNTIMES[0]).toBe(d.deployed.Runtime);
  });

  test.each(ACCEPTED_RUNTIMES)(
    "dry run under %s: reports ok and changes nothing",
    async (runtime) => {
      const run = await invoke(runtime, { action: "dry-run" });
      expect(run.outcome).toMatchObject({ ok: true, result: { outcome: "dry-run" } });
      expect(run.stderr).not.toContain(NODE_VERSION_WARNING);
      expect((await readParameter(d.infra.passwordParameter))?.value).toBe(d.infra.initialPassword);
      expect(await readParameter(`${d.infra.passwordParameter}-pending`)).toBeUndefined();
      expect(await h.canLogin(d.infra.role, d.infra.initialPassword)).toBe(true);
    },
  );

  // The same code and environment under each runtime the module accepts, one after the other:
  // the d.deployed runtime's rotation first, then each newer one's from the password it left.
  test.each(ACCEPTED_RUNTIMES)(
    "the schedule's event rotates to completion under %s",
    async (runtime) => {
      const { targets } = (await scheduleRules(d.deployed.FunctionArn ?? ""))[
        `${FUNCTION_NAME}-schedule`
      ] ?? { targets: [] };
      const previous = (await readParameter(d.infra.passwordParameter))?.value ?? "";
      const before = await deploymentIds(d.infra.cluster, [d.infra.service]);

      const run = await invoke(runtime, JSON.parse(targets[0]?.Input ?? "{}"));
      expect(run.outcome).toMatchObject({ ok: true, result: { outcome: "rotated" } });
      expect(run.stderr).not.toContain(NODE_VERSION_WARNING);

      const password = await readParameter(d.infra.passwordParameter);
      const next = password?.value ?? "";
      expect(password?.type).toBe("SecureString");
      expect(next).not.toBe(previous);
      expect(await h.canLogin(d.infra.role, next)).toBe(true);
      expect(await h.canLogin(d.infra.role, previous)).toBe(false);

      const url = new URL((await readParameter(d.infra.databaseUrlParameter))?.value ?? "");
      expect(decodeURIComponent(url.username)).toBe(d.infra.role);
      expect(decodeURIComponent(url.password)).toBe(next);
      expect(`${url.hostname}:${url.port}`).toBe(`${h.host}:${h.port}`);

      const after = await deploymentIds(d.infra.cluster, [d.infra.service]);
      expect(after[d.infra.service]?.[0]).not.toBe(before[d.infra.service]?.[0]);
      expect(await readParameter(`${d.infra.passwordParameter}-pending`)).toBeUndefined();
      // The secret never reaches the function's output.
      expect(`${run.stdout}${run.stderr}`).not.toContain(next);
    },
  );
});

describe("after the rotation", () => {
  test("a second plan changes nothing but the emulator's known drift", () => {
    expect(planDrift(d.terraform)).toEqual(expectedDrift(EMULATOR_DRIFT));
  });

  test("destroy removes everything the module created; the application's parameters stay", async () => {
    d.terraform(["destroy", "-auto-approve", "-input=false", "-no-color"]);
    await expect(
      d.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME })),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    const state = d.terraform(["state", "list"]).stdout.trim();
    expect(state).toBe("");
    const iam = new IAMClient({});
    await expect(
      iam.send(new GetRoleCommand({ RoleName: (d.deployed.Role ?? "").split("/").pop() })),
    ).rejects.toMatchObject({ name: "NoSuchEntityException" });
    iam.destroy();
    const logs = new CloudWatchLogsClient({});
    const { logGroups = [] } = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${FUNCTION_NAME}` }),
    );
    logs.destroy();
    expect(logGroups).toEqual([]);
    const cloudwatch = new CloudWatchClient({});
    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNamePrefix: FUNCTION_NAME }),
    );
    cloudwatch.destroy();
    expect(MetricAlarms).toEqual([]);

    // The module does not own the parameters: the applications read them, and they must
    // outlive the rotator (README "Parameters after terraform destroy"). The pending one,
    // the function's own lock, is gone after a completed rotation.
    expect(await readParameter(d.infra.passwordParameter)).toBeDefined();
    expect(await readParameter(d.infra.databaseUrlParameter)).toBeDefined();
    expect(await readParameter(`${d.infra.passwordParameter}-pending`)).toBeUndefined();
  });
});
