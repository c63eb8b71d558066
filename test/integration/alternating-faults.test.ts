/**
 * Crash matrix for the alternating-users strategy (docs/design.md §Invariants 1 and 2, per role): a
 * run that dies right after any step leaves the published credentials or the staged ones
 * logging in, never touches the role in use, and the next run completes the rotation with
 * exactly one password change, of the role that was not in use. Crashes are a throwing hook
 * in-process, and real SIGKILLs of a process running the built bundle.
 */
import { createHandler } from "../../lambda-src/handler";
import type { StepName } from "../../lambda-src/core/steps";
import { crashBoundaries, freshRotationSteps } from "../support/steps";
import {
  changesPerRole,
  createAlternatingScenario,
  expectNoLockoutPerRole,
  putAdminCredentials,
  readPublished,
  twinState,
  type AlternatingScenario,
} from "./support/alternating";
import { lambdaContext } from "./support/context";
import { crashRightAfter, killRightAfter } from "./support/crash";
import { expectRotationError, rotateExpectingFailure } from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { readPending, seedExpiredPending } from "./support/pending";
import { snapshot } from "./support/scenario";
import { markServerLog, type LogMark } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

/**
 * Run 2 after the crash finishes the rotation run 1 staged for the twin, and nothing more. It
 * publishes the staged password when the database took it; otherwise it applies one of its own
 * (a stored record's password is never applied).
 */
async function expectRecovered(
  s: AlternatingScenario,
  staged: string,
  stagedApplied: boolean,
  mark: LogMark,
) {
  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());
  expect(result).toMatchObject({ outcome: "recovered" });
  const published = await readPublished(s);
  expect(published.username).toBe(s.twin);
  expect(published.password === staged).toBe(stagedApplied);
  expect(await s.h.canLogin(s.twin, published.password ?? "")).toBe(true);
  // The role in use before the rotation was never touched.
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
  expect((await snapshot(s)).pending).toBeUndefined();
  expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 1 });
  expect((await twinState(s))?.memberOfPrimary).toBe(true);
}

describe.each(crashBoundaries())("a run that crashes right after %s", (boundary) => {
  test("leaves credentials that log in, and the next run completes with one change of the twin", async () => {
    const s = await createAlternatingScenario();
    const mark = markServerLog(s.h);

    await crashRightAfter(s.env, boundary);

    const record = await expectNoLockoutPerRole(s);
    expect(record.staged?.username).toBe(s.twin);
    // Applications still on the primary keep working whatever the boundary.
    expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
    expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: boundary === "stage" ? 0 : 1 });

    await expectRecovered(s, record.staged?.password ?? "", boundary !== "stage", mark);
  });
});

describe("a process running the built bundle, killed with SIGKILL", () => {
  // After apply only the pending parameter names the twin; after publish-password the
  // password is the twin's while the username parameter still names the primary.
  test.each([{ killAfter: "apply" }, { killAfter: "publish-password" }] as const)(
    "right after $killAfter leaves credentials that log in; an in-process run recovers with one change",
    async ({ killAfter }) => {
      const s = await createAlternatingScenario();
      const mark = markServerLog(s.h);

      await killRightAfter(s.env, killAfter);

      const record = await expectNoLockoutPerRole(s);
      expect(record.stagedLogsIn).toBe(true);
      expect(record.published.password === record.staged?.password).toBe(
        killAfter === "publish-password",
      );
      expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);

      await expectRecovered(s, record.staged?.password ?? "", true, mark);
    },
  );
});

test("at every step boundary of three rotations, the published or the staged credentials log in", async () => {
  const s = await createAlternatingScenario();
  const checked: StepName[] = [];
  const handler = createHandler({
    env: s.env,
    hooks: {
      afterStep: async (step) => {
        await expectNoLockoutPerRole(s);
        checked.push(step);
      },
    },
  });
  for (let i = 0; i < 3; i += 1) {
    const mark = markServerLog(s.h);
    await handler({ action: "rotate" }, lambdaContext());
    const total = changesPerRole(s, mark);
    expect(total.primary + total.twin).toBe(1);
  }
  expect(checked.filter((step) => step === "apply")).toHaveLength(3);
  expect(new Set(checked)).toEqual(new Set(freshRotationSteps()));
});

describe("recovery, per role", () => {
  test("an interrupted rotation whose administrative credentials stopped working changes nothing and says why", async () => {
    const s = await createAlternatingScenario();
    await seedExpiredPending({ ...s, role: s.twin }, "Staged-but-never-applied-1");
    await putAdminCredentials(s, { password: "No-longer-valid-2" });
    const mark = markServerLog(s.h);

    const error = expectRotationError(
      await rotateExpectingFailure(s.env),
      "admin-credentials-rejected",
      "recover",
    );
    expect(error.message).not.toContain("No-longer-valid-2");
    expect(error.message).not.toContain("Staged-but-never-applied-1");
    expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });
    expect(await readPublished(s)).toEqual({ username: s.primary, password: s.initialPassword });
    expect((await readPending(s))?.password).toBe("Staged-but-never-applied-1");
    expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
  });

  test("a pending parameter staged for a role this function does not rotate is refused", async () => {
    const s = await createAlternatingScenario();
    await seedExpiredPending({ ...s, role: "someone_else" }, "Staged-for-a-stranger-3");
    const mark = markServerLog(s.h);

    const error = expectRotationError(
      await rotateExpectingFailure(s.env),
      "parameter-malformed",
      "read",
    );
    expect(error.message).toContain("someone_else");
    expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });
  });
});
