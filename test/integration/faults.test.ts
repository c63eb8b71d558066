/**
 * Crash matrix (docs/design.md §Invariants 1): a run that dies right after any step leaves the password
 * parameter or the pending parameter holding a password the database accepts, and the next
 * run completes the rotation with exactly one password change. Crashes are a throwing hook
 * in-process, and real SIGKILLs of a process running the built bundle.
 */
import { createHandler } from "../../lambda-src/handler";
import { crashBoundaries } from "../support/steps";
import { lambdaContext } from "./support/context";
import { crashRightAfter, killRightAfter } from "./support/crash";
import { expectRotated } from "./support/expectations";
import { expectNoLockout } from "./support/invariants";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot, type Scenario } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

/**
 * Run 2 after the crash must finish the rotation that run 1 staged, and nothing more: it
 * publishes the staged password when the database took it, and otherwise applies one of its
 * own (a stored record's password is never applied).
 */
async function expectRecovered(
  s: Scenario,
  staged: string | undefined,
  before: Awaited<ReturnType<typeof snapshot>>,
  mark: number,
): Promise<void> {
  const stagedApplied = staged !== undefined && (await s.h.canLogin(s.role, staged));
  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());
  expect(result).toMatchObject({ outcome: "recovered" });
  const final = await expectRotated(s, s.initialPassword, before);
  expect(final === staged).toBe(stagedApplied);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
}

// The scenario publishes the password and DATABASE_URL, not a username.
describe.each(crashBoundaries(["publish-username"]))(
  "a run that crashes right after %s",
  (boundary) => {
    test("leaves a password that logs in, and the next run completes with one change", async () => {
      const s = await createScenario();
      const before = await snapshot(s);
      const mark = markServerLog(s.h);

      await crashRightAfter(s.env, boundary);

      const record = await expectNoLockout(s);
      // The crash hit mid-rotation: the staged password is still on record for recovery.
      expect(record.staged).toBeDefined();
      const changesSoFar = passwordChanges(s.h.readServerLog(mark), s.role).length;
      expect(changesSoFar).toBe(boundary === "stage" ? 0 : 1);

      await expectRecovered(s, record.staged, before, mark);
    });
  },
);

describe("a process running the built bundle, killed with SIGKILL", () => {
  // After apply only the pending parameter has the new password; after publish-password both do.
  test.each([
    { killAfter: "apply", publishedIsStaged: false },
    { killAfter: "publish-password", publishedIsStaged: true },
  ] as const)(
    "right after $killAfter leaves a password that logs in; an in-process run recovers with one change",
    async ({ killAfter, publishedIsStaged }) => {
      const s = await createScenario();
      const before = await snapshot(s);
      const mark = markServerLog(s.h);

      await killRightAfter(s.env, killAfter);

      const record = await expectNoLockout(s);
      expect(record.staged).toBeDefined();
      expect(record.stagedLogsIn).toBe(true);
      expect(record.published === record.staged).toBe(publishedIsStaged);

      await expectRecovered(s, record.staged, before, mark);
    },
  );
});
