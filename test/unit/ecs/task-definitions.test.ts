/**
 * Discovery with SECRET_STORE=secretsmanager: which `secrets[].valueFrom` forms read the
 * rotated secret. ECS accepts the full ARN, the full ARN with a JSON key / version suffix,
 * and the partial ARN without the 6-character suffix Secrets Manager adds.
 */
import type { TaskDefinition } from "@aws-sdk/client-ecs";
import { readsSecret, rotatedParametersRead } from "../../../lambda-src/ecs/task-definitions";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf";
const PARTIAL = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db";

test.each([
  [ARN, true],
  [`${ARN}:password::`, true],
  [`${ARN}:password:AWSCURRENT:`, true],
  [PARTIAL, true],
  [`${PARTIAL}:username::`, true],
  ["app/db", true],
  ["app/db2", false],
  ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-XyZabc", false],
  ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:app", false],
  ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:app/db-AbCdEf-other", false],
  ["arn:aws:ssm:eu-west-1:123456789012:parameter/app/db", false],
])("valueFrom %s reads the secret: %s", (valueFrom, expected) => {
  expect(readsSecret(valueFrom, ARN)).toBe(expected);
});

test("a task definition reading one JSON key of the secret is found; one reading another secret is not", () => {
  const definition = (valueFrom: string): TaskDefinition => ({
    containerDefinitions: [{ name: "app", secrets: [{ name: "DB_PASSWORD", valueFrom }] }],
  });
  expect(rotatedParametersRead(definition(`${ARN}:password::`), [ARN], "eu-west-1")).toEqual([ARN]);
  expect(rotatedParametersRead(definition(`${PARTIAL}x:password::`), [ARN], "eu-west-1")).toEqual(
    [],
  );
});
