/**
 * Self-healing (docs/operations.md §Events, docs/design.md §Data flow): the resume schedule's
 * event, exactly as its EventBridge target sends it (events/resume.json, which schedule.tf
 * reads), finishes an interrupted rotation with one password change, and with nothing
 * interrupted changes nothing. Real PostgreSQL and the moto server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { crashRightAfter, killRightAfter } from "./support/crash";
import { expectRotated } from "./support/expectations";
import { expectNoLockout } from "./support/invariants";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

/** The resume rule's payload: schedule.tf sends this file's JSON. */
const RESUME_EVENT: unknown = JSON.parse(
  readFileSync(join(__dirname, "../../events/resume.json"), "utf8"),
);

test.each(["apply", "publish-password"] as const)(
  "a rotation crashed right after %s completes on the resume event alone, with one change",
  async (boundary) => {
    const s = await createScenario();
    const before = await snapshot(s);
    const mark = markServerLog(s.h);

    await crashRightAfter(s.env, boundary);
    const record = await expectNoLockout(s);
    expect(record.staged).toBeDefined();

    const result = await createHandler({ env: s.env })(RESUME_EVENT, lambdaContext());

    expect(result).toMatchObject({ outcome: "recovered" });
    expect(await expectRotated(s, s.initialPassword, before)).toBe(record.staged);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  },
);

test("the built bundle, SIGKILLed right after apply, is finished by the resume event", async () => {
  const s = await createScenario();
  const before = await snapshot(s);

  await killRightAfter(s.env, "apply");
  const record = await expectNoLockout(s);

  const result = await createHandler({ env: s.env })(RESUME_EVENT, lambdaContext());

  expect(result).toMatchObject({ outcome: "recovered" });
  expect(await expectRotated(s, s.initialPassword, before)).toBe(record.staged);
});

test("with nothing interrupted, the resume event ends 'nothing-to-resume' and changes nothing", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const mark = markServerLog(s.h);

  const result = await createHandler({ env: s.env })(RESUME_EVENT, lambdaContext());

  expect(result).toMatchObject({ outcome: "nothing-to-resume", services: [] });
  expect(await snapshot(s)).toEqual(before);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(0);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});
