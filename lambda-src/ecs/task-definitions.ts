/**
 * What a task definition tells the refresh: which rotated SSM parameters its containers read
 * as `secrets` (discovery), and which containers have a health check (stop-tasks then waits
 * for HEALTHY, not only RUNNING). Descriptions are cached: services often share one.
 */
import {
  DescribeTaskDefinitionCommand,
  type ECSClient,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";

export interface TaskDefinitionReader {
  describe(arn: string): Promise<TaskDefinition>;
}

export function taskDefinitionReader(ecs: ECSClient): TaskDefinitionReader {
  const cache = new Map<string, Promise<TaskDefinition>>();
  return {
    describe(arn) {
      let found = cache.get(arn);
      if (found === undefined) {
        found = ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn })).then((out) => {
          if (!out.taskDefinition) throw new Error(`ECS returned no task definition for ${arn}`);
          return out.taskDefinition;
        });
        // A failed read is not cached: the next caller tries again.
        found.catch(() => cache.delete(arn));
        cache.set(arn, found);
      }
      return found;
    },
  };
}

/**
 * The SSM parameter a `secrets[].valueFrom` points at: a name (same region) or an ARN
 * `arn:<partition>:ssm:<region>:<account>:parameter/<name without leading slash>`.
 * Undefined for anything else (a Secrets Manager ARN, for instance).
 */
export function ssmParameterOf(valueFrom: string): { name: string; region?: string } | undefined {
  if (!valueFrom.startsWith("arn:")) return { name: normalizeName(valueFrom) };
  const match = /^arn:[^:]+:ssm:([^:]*):[^:]*:parameter(\/.*)$/.exec(valueFrom);
  if (!match) return undefined;
  return { name: normalizeName(match[2] ?? ""), region: match[1] };
}

const SECRET_ARN = /^(arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:[^:]+)(:.*)?$/;

/**
 * Whether `valueFrom` reads the Secrets Manager secret whose full ARN is `secretArn`: that
 * ARN, with or without ECS's `:json-key:version-stage:version-id` suffix, the partial ARN
 * (without the 6-character suffix Secrets Manager adds to the name), or the secret's name.
 */
export function readsSecret(valueFrom: string, secretArn: string): boolean {
  const rotated = SECRET_ARN.exec(secretArn)?.[1];
  if (rotated === undefined) return false;
  const name = rotated.slice(rotated.lastIndexOf(":") + 1).replace(/-[A-Za-z0-9]{6}$/, "");
  if (!valueFrom.startsWith("arn:")) return valueFrom === name;
  const base = SECRET_ARN.exec(valueFrom)?.[1];
  if (base === undefined) return false;
  return base === rotated || `${base}-` === rotated.slice(0, -6);
}

/** SSM treats "/a/b" and its ARN form "parameter/a/b" as one parameter: compare without "/". */
function normalizeName(name: string): string {
  return name.replace(/^\/+/, "");
}

/**
 * The rotated parameters (given by name) that `definition`'s containers read as secrets.
 * `region` is this function's region: an ARN into another region is another parameter.
 */
export function rotatedParametersRead(
  definition: TaskDefinition,
  rotated: readonly string[],
  region: string | undefined,
): string[] {
  const wanted = new Map(rotated.map((name) => [normalizeName(name), name]));
  const found = new Set<string>();
  for (const container of definition.containerDefinitions ?? []) {
    for (const secret of container.secrets ?? []) {
      const valueFrom = secret.valueFrom ?? "";
      // A rotated Secrets Manager secret (SECRET_STORE=secretsmanager) is named by its ARN.
      for (const arn of rotated.filter((r) => readsSecret(valueFrom, r))) found.add(arn);
      const parameter = valueFrom ? ssmParameterOf(valueFrom) : undefined;
      if (!parameter) continue;
      if (parameter.region && region && parameter.region !== region) continue;
      const name = wanted.get(parameter.name);
      if (name !== undefined) found.add(name);
    }
  }
  return [...found];
}

/** Names of the containers with a health check; a replacement task must report HEALTHY. */
export function healthCheckedContainers(definition: TaskDefinition): string[] {
  return (definition.containerDefinitions ?? [])
    .filter((c) => c.healthCheck?.command?.length)
    .map((c) => c.name ?? "");
}
