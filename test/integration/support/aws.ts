/**
 * The tests' own view of the emulated AWS account: seed the SSM parameters and ECS services a
 * rotation works on, and read back what the rotation left. Clients take their endpoint from
 * AWS_ENDPOINT_URL (set for every worker by the global setup), like the Lambda's do.
 */
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  ParameterNotFound,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { DescribeServicesCommand, ECSClient } from "@aws-sdk/client-ecs";
import * as parameters from "../../support/ssm-parameters";
import { createCluster, createService, registerTaskDefinition } from "./ecs-emulator";

export type { StoredParameter } from "../../support/ssm-parameters";

let ssmClient: SSMClient | undefined;
let ecsClient: ECSClient | undefined;

export function ssm(): SSMClient {
  ssmClient ??= new SSMClient({});
  return ssmClient;
}

export function ecs(): ECSClient {
  ecsClient ??= new ECSClient({});
  return ecsClient;
}

/** Create or overwrite a SecureString, encrypted with `keyId` (default: the account's aws/ssm key). */
export function putSecureString(name: string, value: string, keyId?: string): Promise<void> {
  return parameters.putSecureString(ssm(), name, value, keyId);
}

/** The KMS key a parameter is encrypted with, as SSM reports it. */
export async function keyIdOf(name: string): Promise<string | undefined> {
  const { Parameters = [] } = await ssm().send(
    new DescribeParametersCommand({
      ParameterFilters: [{ Key: "Name", Option: "Equals", Values: [name] }],
    }),
  );
  return Parameters.find((p) => p.Name === name)?.KeyId;
}

/** The decrypted parameter, or undefined when it does not exist. */
export function readParameter(name: string) {
  return parameters.readParameter(ssm(), name);
}

export async function deleteParameter(name: string): Promise<void> {
  try {
    await ssm().send(new DeleteParameterCommand({ Name: name }));
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error;
  }
}

/** A cluster with one task definition (reading no secrets) and `services` services running it. */
export async function seedEcs(cluster: string, services: readonly string[]): Promise<void> {
  await createCluster(ecs(), cluster);
  const taskDefinition = await registerTaskDefinition(ecs(), `${cluster}-app`, []);
  for (const name of services) await createService(ecs(), cluster, { name, taskDefinition });
}

/** Deployment ids per service, newest first as ECS reports them. */
export async function deploymentIds(
  cluster: string,
  services: readonly string[],
): Promise<Record<string, string[]>> {
  if (services.length === 0) return {};
  const { services: described = [], failures = [] } = await ecs().send(
    new DescribeServicesCommand({ cluster, services: [...services] }),
  );
  if (failures.length > 0) throw new Error(`DescribeServices failed: ${JSON.stringify(failures)}`);
  return Object.fromEntries(
    described.map((s) => [s.serviceName ?? "", (s.deployments ?? []).map((d) => d.id ?? "")]),
  );
}
