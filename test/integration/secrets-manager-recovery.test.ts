/**
 * SECRET_STORE=secretsmanager, when a rotation stops between Secrets Manager's steps: the
 * same token's retries finish it, a new token's createSecret recovers the AWSPENDING version
 * the old one left (promotes it when the database accepts it, discards it when not), and so
 * does the hourly {"action":"resume"} once the version is old enough. At every instant
 * AWSCURRENT or AWSPENDING holds a password the database accepts.
 */
import { randomUUID } from "node:crypto";
import { STALE_PENDING_AFTER_MS } from "../../lambda-src/core/four-step";
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { SimulatedCrash } from "./support/crash";
import { useCapturedOutput } from "./support/output";
import {
  createSmScenario,
  expectInvariant,
  labelledVersions,
  readStage,
  rotateThroughSteps,
  stepEvent,
  STEPS,
  type SmScenario,
  type Step,
} from "./support/secrets-manager";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

const output = useCapturedOutput();

/** Run the steps of `token` up to and including `last`, then stop (Secrets Manager gave up). */
async function stopAfter(s: SmScenario, last: Step, token: string): Promise<void> {
  const handler = createHandler({ env: s.env });
  for (const step of STEPS.slice(0, STEPS.indexOf(last) + 1)) {
    await handler(stepEvent(s, step, token), lambdaContext());
    await expectInvariant(s);
  }
}

const pendingVersions = async (s: SmScenario) =>
  (await labelledVersions(s)).filter((v) => v.stages.includes("AWSPENDING"));

const BOUNDARIES: readonly Step[] = ["createSecret", "setSecret", "testSecret"];

describe.each(BOUNDARIES)("stopped right after %s", (last) => {
  test("the same token's remaining steps finish the rotation with one password change", async () => {
    const s = await createSmScenario();
    const mark = markServerLog(s.h);
    const token = randomUUID();
    await stopAfter(s, last, token);
    const handler = createHandler({ env: s.env });
    for (const step of STEPS.slice(STEPS.indexOf(last))) {
      await handler(stepEvent(s, step, token), lambdaContext());
      await expectInvariant(s);
    }
    const current = await readStage(s);
    expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
    expect(await pendingVersions(s)).toEqual([]);
  });

  test("a new token's rotation recovers the stale AWSPENDING and ends rotated, never stuck", async () => {
    const s = await createSmScenario();
    const stale = randomUUID();
    await stopAfter(s, last, stale);
    const applied = last !== "createSecret";

    const results = await rotateThroughSteps(createHandler({ env: s.env }), s, randomUUID(), () =>
      expectInvariant(s),
    );

    expect(results[3]?.outcome).toBe("rotated");
    const current = await readStage(s);
    expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
    expect(await pendingVersions(s)).toEqual([]);
    // Promoted when its password had been applied, discarded when not.
    const previous = (await labelledVersions(s)).find((v) => v.stages.includes("AWSPREVIOUS"));
    expect(previous?.versionId === stale).toBe(applied);
    expect(output.text()).toContain(applied ? '"outcome":"promoted"' : '"outcome":"discarded"');
  });

  test("the resume sweep leaves a young AWSPENDING to its rotation, and recovers an old one", async () => {
    const s = await createSmScenario({ services: 1 });
    await stopAfter(s, last, randomUUID());

    const young = await createHandler({ env: s.env })({ action: "resume" }, lambdaContext());
    expect(young.outcome).toBe("skipped");
    expect(await pendingVersions(s)).toHaveLength(1);

    const later = () => Date.now() + STALE_PENDING_AFTER_MS + 60_000;
    const old = await createHandler({ env: s.env, clock: later })(
      { action: "resume" },
      lambdaContext(),
    );
    expect(old.outcome).toBe("recovered");
    await expectInvariant(s);
    expect(await pendingVersions(s)).toEqual([]);
    const current = await readStage(s);
    expect(await s.h.canLogin(s.role, current?.password ?? "")).toBe(true);
    // A promoted version is published to the services that read the secret.
    expect(old).toMatchObject({ services: last === "createSecret" ? [] : [{ ok: true }] });

    const again = await createHandler({ env: s.env })({ action: "resume" }, lambdaContext());
    expect(again.outcome).toBe("nothing-to-resume");
    const next = await rotateThroughSteps(createHandler({ env: s.env }), s);
    expect(next[3]?.outcome).toBe("rotated");
  });
});

test("a crash inside setSecret right after the password changed: the retry finds it logs in and changes nothing", async () => {
  const s = await createSmScenario();
  const mark = markServerLog(s.h);
  const token = randomUUID();
  const handler = createHandler({ env: s.env });
  await handler(stepEvent(s, "createSecret", token), lambdaContext());
  const crashing = createHandler({
    env: s.env,
    hooks: {
      afterStep: (step) => {
        if (step === "apply") throw new SimulatedCrash("crash after apply");
      },
    },
  });
  await expect(crashing(stepEvent(s, "setSecret", token), lambdaContext())).rejects.toThrow(
    SimulatedCrash,
  );
  await expectInvariant(s);
  for (const step of ["setSecret", "testSecret", "finishSecret"] as const) {
    await handler(stepEvent(s, step, token), lambdaContext());
  }
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  expect(await s.h.canLogin(s.role, (await readStage(s))?.password ?? "")).toBe(true);
});

test("a stale AWSPENDING whose password the database rejects, with AWSCURRENT rejected too: credential-drift, nothing moved", async () => {
  const s = await createSmScenario();
  await stopAfter(s, "createSecret", randomUUID());
  const before = await labelledVersions(s);
  await s.h.admin(`ALTER ROLE "${s.role}" PASSWORD 'changed-by-hand-${randomUUID()}'`);

  await expect(
    createHandler({ env: s.env })(stepEvent(s, "createSecret", randomUUID()), lambdaContext()),
  ).rejects.toMatchObject({ kind: "credential-drift", step: "recover" });
  expect(await labelledVersions(s)).toEqual(before);
});
