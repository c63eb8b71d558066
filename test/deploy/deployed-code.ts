/**
 * A deployed function's code, run the way Lambda would run it: dist/rotator.zip unpacked where
 * the runtime puts it (LAMBDA_TASK_ROOT), started under the Node.js major of the function's
 * runtime with the runtime's own variables, the emulator endpoint and exactly the environment
 * Terraform gave the function; nothing from the test's own process.
 */
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRuleNamesByTargetCommand,
  ListTargetsByRuleCommand,
  type DescribeRuleCommandOutput,
  type Target,
} from "@aws-sdk/client-eventbridge";
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import type { FunctionConfiguration } from "@aws-sdk/client-lambda";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runHandlerInChild, type ChildRun } from "../integration/support/child";
import { extractZip } from "../support/unzip";
import { lambdaNodeBin, PROJECT_ROOT } from "../support/tools";

export const BUNDLE = join(PROJECT_ROOT, "dist", "rotator.zip");

/** Unpacks the bundle into a new task root; the caller removes it. */
export function unpackBundle(): string {
  const taskRoot = mkdtempSync(join(tmpdir(), "rotation-task-"));
  extractZip(readFileSync(BUNDLE), taskRoot);
  return taskRoot;
}

export interface DeployedCode {
  readonly config: FunctionConfiguration;
  readonly taskRoot: string;
  readonly endpoint: string;
  readonly region: string;
}

/**
 * The variables of `runtime` (as the Lambda Node.js runtime sets them), then the function's:
 * the deployed code, run as a function configured with `runtime` would run it.
 */
export function lambdaEnvironment(
  code: DeployedCode,
  runtime: string,
  node: string,
): NodeJS.ProcessEnv {
  const { config } = code;
  return {
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: config.FunctionName,
    AWS_LAMBDA_FUNCTION_VERSION: config.Version ?? "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.FunctionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/01/01/[$LATEST]test",
    AWS_REGION: code.region,
    AWS_DEFAULT_REGION: code.region,
    // The role's session credentials in real Lambda; the emulator's in the harness.
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY,
    ...(process.env.AWS_SESSION_TOKEN ? { AWS_SESSION_TOKEN: process.env.AWS_SESSION_TOKEN } : {}),
    LAMBDA_TASK_ROOT: code.taskRoot,
    _HANDLER: config.Handler,
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    PATH: `${dirname(node)}:/usr/local/bin:/usr/bin:/bin`,
    AWS_ENDPOINT_URL: code.endpoint,
    ...config.Environment?.Variables,
  };
}

/** One invocation under `runtime`'s Node.js; throws with the output unless the handler returned. */
export async function invokeDeployed(
  code: DeployedCode,
  runtime: string,
  event: unknown,
): Promise<ChildRun> {
  const node = lambdaNodeBin(runtime);
  const run = await runHandlerInChild({
    moduleFile: join(code.taskRoot, "index.js"),
    node,
    baseEnv: {},
    env: lambdaEnvironment(code, runtime, node),
    event,
    timeoutMs: 60_000,
  });
  if (!run.outcome?.ok) {
    throw new Error(
      `the deployed handler failed under ${runtime}: ${JSON.stringify(run.outcome)}\n${run.stdout}\n${run.stderr}`,
    );
  }
  return run;
}

export interface ScheduleRule {
  readonly rule: DescribeRuleCommandOutput;
  readonly targets: Target[];
}

/** The EventBridge rules that target `functionArn`, by name, with their targets. */
export async function scheduleRules(functionArn: string): Promise<Record<string, ScheduleRule>> {
  const events = new EventBridgeClient({});
  try {
    const { RuleNames = [] } = await events.send(
      new ListRuleNamesByTargetCommand({ TargetArn: functionArn }),
    );
    const entries = await Promise.all(
      RuleNames.map(async (name) => {
        const rule = await events.send(new DescribeRuleCommand({ Name: name }));
        const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: name }));
        return [name, { rule, targets: Targets }] as const;
      }),
    );
    return Object.fromEntries(entries);
  } finally {
    events.destroy();
  }
}

export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
  readonly condition?: Record<string, Record<string, string | string[]>>;
}

export interface RolePolicy {
  /** The role's trust policy statements. */
  readonly trust: { Principal: unknown; Action: unknown }[];
  /** How many inline policies the role has (the module creates one). */
  readonly policyCount: number;
  /** The first inline policy's statements by Sid, actions and resources sorted. */
  readonly grants: Record<string, Grant>;
}

/** The function's role as IAM returns it. */
export async function rolePolicy(roleArn: string): Promise<RolePolicy> {
  const iam = new IAMClient({});
  try {
    const roleName = roleArn.split("/").pop() ?? "";
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const trust = (
      JSON.parse(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? "{}")) as {
        Statement: { Principal: unknown; Action: unknown }[];
      }
    ).Statement;
    const { PolicyNames = [] } = await iam.send(
      new ListRolePoliciesCommand({ RoleName: roleName }),
    );
    const { PolicyDocument = "{}" } = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: PolicyNames[0] }),
    );
    const statements = (
      JSON.parse(decodeURIComponent(PolicyDocument)) as {
        Statement: {
          Sid: string;
          Action: string | string[];
          Resource: string | string[];
          Condition?: Grant["condition"];
        }[];
      }
    ).Statement;
    const list = (value: string | string[]) => (Array.isArray(value) ? [...value] : [value]).sort();
    const grants = Object.fromEntries(
      statements.map((s) => [
        s.Sid,
        {
          actions: list(s.Action),
          resources: list(s.Resource),
          ...(s.Condition ? { condition: s.Condition } : {}),
        },
      ]),
    );
    return { trust, policyCount: PolicyNames.length, grants };
  } finally {
    iam.destroy();
  }
}
