/**
 * SECRET_STORE=secretsmanager with alternating-users: the secret carries the username, so
 * one label move switches applications to the other role atomically; the administrative
 * login comes from the secret `masterarn` names, which must be ADMIN_SECRET_ARN. Also the ECS
 * refresh of a service discovered because its task definition reads the secret's password key.
 */
import { randomUUID } from "node:crypto";
import { PutSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { createHandler } from "../../lambda-src/handler";
import { deploymentIds } from "./support/aws";
import { lambdaContext } from "./support/context";
import { useCapturedOutput } from "./support/output";
import {
  createSmScenario,
  expectInvariant,
  labelledVersions,
  readStage,
  rotateThroughSteps,
  secretsManager,
  stepEvent,
} from "./support/secrets-manager";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

test("two rotations alternate the roles; the role in use is never changed, masterarn is kept", async () => {
  const s = await createSmScenario({ strategy: "alternating-users" });
  const handler = createHandler({ env: s.env });
  const mark = markServerLog(s.h);

  await rotateThroughSteps(handler, s, randomUUID(), () => expectInvariant(s));
  const first = await readStage(s);
  expect(first).toMatchObject({ username: s.twin, masterarn: s.adminSecretArn });
  expect(await s.h.canLogin(s.twin, first?.password ?? "")).toBe(true);
  // The role the tasks used keeps working until the refresh replaced them.
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);

  await rotateThroughSteps(handler, s, randomUUID(), () => expectInvariant(s));
  const second = await readStage(s);
  expect(second).toMatchObject({ username: s.role, masterarn: s.adminSecretArn });
  expect(await s.h.canLogin(s.role, second?.password ?? "")).toBe(true);
  expect(await s.h.canLogin(s.twin, first?.password ?? "")).toBe(true);

  const log = s.h.readServerLog(mark);
  expect(passwordChanges(log, s.twin)).toHaveLength(1);
  expect(passwordChanges(log, s.role)).toHaveLength(1);
});

test("a secret whose masterarn names another secret is refused before anything changes", async () => {
  const s = await createSmScenario({ strategy: "alternating-users" });
  const current = await readStage(s);
  const elsewhere = `${s.adminSecretArn ?? ""}`.replace(/-[A-Za-z0-9]{6}$/, "x-AbCdEf");
  await secretsManager().send(
    new PutSecretValueCommand({
      SecretId: s.secretArn,
      SecretString: JSON.stringify({ ...current, masterarn: elsewhere }),
    }),
  );
  const before = await labelledVersions(s);

  await expect(
    createHandler({ env: s.env })(stepEvent(s, "createSecret", randomUUID()), lambdaContext()),
  ).rejects.toMatchObject({ kind: "secret-malformed", step: "read" });
  expect(await labelledVersions(s)).toEqual(before);
});

test("finishSecret refreshes a discovered service whose task definition reads `<arn>:password::`", async () => {
  const s = await createSmScenario({ discovered: true });
  const service = `${s.role}-reader`;
  const before = await deploymentIds(s.cluster, [service]);

  const results = await rotateThroughSteps(createHandler({ env: s.env }), s);

  expect(results[3]).toMatchObject({
    outcome: "rotated",
    services: [{ service, cluster: s.cluster, ok: true }],
  });
  const after = await deploymentIds(s.cluster, [service]);
  expect(after[service]?.[0]).not.toBe(before[service]?.[0]);
});
