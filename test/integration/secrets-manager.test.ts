/**
 * SECRET_STORE=secretsmanager: the handler as Secrets Manager's rotation function, invoked
 * with the four step events against moto's Secrets Manager and the real PostgreSQL
 * (verify-full TLS): what the secret's labels, the database and ECS look like afterwards,
 * and that every step is idempotent for a retry with the same token.
 */
import { randomUUID } from "node:crypto";
import type { DryRunReport } from "../../lambda-src/dry-run";
import { createHandler } from "../../lambda-src/handler";
import { deploymentIds } from "./support/aws";
import { lambdaContext } from "./support/context";
import { useCapturedOutput } from "./support/output";
import {
  createSmScenario,
  expectInvariant,
  labelledVersions,
  putCurrent,
  readStage,
  rotateThroughSteps,
  stepEvent,
  STEPS,
} from "./support/secrets-manager";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

const output = useCapturedOutput();

test("the four steps rotate the password: AWSCURRENT holds a new one the database accepts, no AWSPENDING is left, the listed service is redeployed", async () => {
  const s = await createSmScenario({ services: 1 });
  const before = await deploymentIds(s.cluster, s.services);
  const mark = markServerLog(s.h);
  const handler = createHandler({ env: s.env });
  const token = randomUUID();

  const results = await rotateThroughSteps(handler, s, token, () => expectInvariant(s));

  expect(results.map((r) => r.outcome)).toEqual([
    "step-completed",
    "step-completed",
    "step-completed",
    "rotated",
  ]);
  const current = await readStage(s);
  expect(current).toMatchObject({
    username: s.role,
    engine: "postgres",
    host: s.h.host,
    port: s.h.port,
    dbname: s.h.database,
  });
  expect(current?.password).not.toBe(s.initialPassword);
  expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(false);
  const versions = await labelledVersions(s);
  expect(versions.find((v) => v.stages.includes("AWSCURRENT"))?.versionId).toBe(token);
  expect(versions.some((v) => v.stages.includes("AWSPENDING"))).toBe(false);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  const after = await deploymentIds(s.cluster, s.services);
  const service = s.services[0] ?? "";
  // moto restarts the PRIMARY deployment under a new id; real ECS adds one in front.
  expect(after[service]?.[0]).not.toBe(before[service]?.[0]);
  expect(results[3]).toMatchObject({ services: [{ service, ok: true }] });
});

test("each step retried with the same token changes nothing more: one password change, the same end state", async () => {
  const s = await createSmScenario();
  const mark = markServerLog(s.h);
  const handler = createHandler({ env: s.env });
  const token = randomUUID();

  for (const step of STEPS) {
    await handler(stepEvent(s, step, token), lambdaContext());
    const again = await handler(stepEvent(s, step, token), lambdaContext());
    expect(again.outcome).toBe(step === "finishSecret" ? "rotated" : "step-completed");
    await expectInvariant(s);
  }
  // Every earlier step again, after the rotation finished: each sees AWSCURRENT on its token.
  for (const step of STEPS.slice(0, 3)) {
    await handler(stepEvent(s, step, token), lambdaContext());
  }

  const current = await readStage(s);
  expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  expect((await labelledVersions(s)).some((v) => v.stages.includes("AWSPENDING"))).toBe(false);
});

test("two rotations in a row: the second token starts from the first one's password", async () => {
  const s = await createSmScenario();
  const handler = createHandler({ env: s.env });
  await rotateThroughSteps(handler, s);
  const first = (await readStage(s))?.password ?? "";
  await rotateThroughSteps(handler, s);
  const second = (await readStage(s))?.password ?? "";
  expect(second).not.toBe(first);
  expect(await s.h.canLogin(s.role, second)).toBe(true);
  expect(await s.h.canLogin(s.role, first)).toBe(false);
  expect(await readStage(s, "AWSPREVIOUS")).toMatchObject({ password: first });
});

test("the secret's name as SecretId is accepted (moto and the console send it); another secret is refused and nothing changes", async () => {
  const s = await createSmScenario();
  const handler = createHandler({ env: s.env });
  const token = randomUUID();
  const before = await labelledVersions(s);
  await expect(
    handler(stepEvent(s, "createSecret", token, `${s.secretArn}-other`), lambdaContext()),
  ).rejects.toMatchObject({ kind: "secret-id-mismatch", step: "read" });
  expect(await labelledVersions(s)).toEqual(before);

  const result = await handler(stepEvent(s, "createSecret", token, s.secretName), lambdaContext());
  expect(result.outcome).toBe("step-completed");
  expect(output.text()).not.toContain(s.initialPassword);
});

test("with SECRET_STORE=secretsmanager, rotate is refused (Secrets Manager starts rotations); with ssm, a step event is refused", async () => {
  const s = await createSmScenario();
  const before = await labelledVersions(s);
  await expect(
    createHandler({ env: s.env })({ action: "rotate" }, lambdaContext()),
  ).rejects.toMatchObject({ kind: "invalid-event" });
  const ssmEnv = { ...s.env, SECRET_STORE: "ssm", PASSWORD_PARAMETER: "/unused/password" };
  await expect(
    createHandler({ env: ssmEnv })(stepEvent(s, "createSecret", randomUUID()), lambdaContext()),
  ).rejects.toMatchObject({ kind: "invalid-event" });
  expect(await labelledVersions(s)).toEqual(before);
});

test("a step whose token was never staged is refused and changes nothing", async () => {
  const s = await createSmScenario();
  const handler = createHandler({ env: s.env });
  for (const step of ["setSecret", "testSecret", "finishSecret"] as const) {
    await expect(handler(stepEvent(s, step, randomUUID()), lambdaContext())).rejects.toMatchObject({
      kind: "rotation-token-invalid",
    });
  }
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
  expect(await readStage(s)).toMatchObject({ password: s.initialPassword });
});

test("the dry run reads the secret, logs in with AWSCURRENT and plans the refresh; a bad password fails its check, nothing changes", async () => {
  const s = await createSmScenario({ services: 1 });
  const handler = createHandler({ env: s.env });
  const report = await handler({ action: "dry-run" }, lambdaContext());
  expect(report).toMatchObject({ outcome: "dry-run", ok: true });
  const names = (report as DryRunReport).checks.map((c) => c.check);
  expect(names).toEqual(expect.arrayContaining(["secret", "current-secret-login", "ecs-services"]));

  await s.h.admin(`ALTER ROLE "${s.role}" PASSWORD 'changed-by-hand-${randomUUID()}'`);
  const before = await labelledVersions(s);
  await expect(handler({ action: "dry-run" }, lambdaContext())).rejects.toMatchObject({
    kind: "dry-run-failed",
    message: expect.stringContaining("current-secret-login"),
  });
  expect(await labelledVersions(s)).toEqual(before);
  expect(output.text()).not.toContain(s.initialPassword);
});

test("the connection goes to DB_HOST, never to the host the secret names; the new version carries the configured host", async () => {
  const s = await createSmScenario();
  const current = await readStage(s);
  await putCurrent(s, JSON.stringify({ ...current, host: "db.attacker.example", port: 5432 }));

  const results = await rotateThroughSteps(createHandler({ env: s.env }), s);

  expect(results[3]?.outcome).toBe("rotated");
  const rotated = await readStage(s);
  expect(rotated).toMatchObject({ host: s.h.host, port: s.h.port, dbname: s.h.database });
  expect(await s.h.canLogin(s.role, rotated?.password ?? "")).toBe(true);
});

test("a server whose certificate does not match DB_HOST: database-unreachable naming the TLS error, nothing staged (no mode without TLS exists to fall back to)", async () => {
  const s = await createSmScenario();
  const before = await labelledVersions(s);
  const env = { ...s.env, DB_HOST: s.h.mismatchedHost };
  await expect(
    createHandler({ env })(stepEvent(s, "createSecret", randomUUID()), lambdaContext()),
  ).rejects.toMatchObject({
    kind: "database-unreachable",
    step: "read",
    message: expect.stringContaining("ERR_TLS_CERT_ALTNAME_INVALID"),
  });
  expect(await labelledVersions(s)).toEqual(before);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});
