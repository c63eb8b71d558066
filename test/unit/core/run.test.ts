/**
 * What a failed run says it left behind (RotationError.stateLeft): the staged role by name,
 * and with alternating-users the published role, whose credentials a run never changes.
 */
import { newPendingRecord } from "../../../lambda-src/core/pending";
import { Run } from "../../../lambda-src/core/run";
import { chooseStrategy } from "../../../lambda-src/strategies/choose";
import { ROLE, createWorld } from "../fakes";

const TWIN = `${ROLE}_clone`;
const ALTERNATING = { ROTATION_STRATEGY: "alternating-users", ADMIN_PARAMETER: "/app/db/admin" };

function runHolding(env: NodeJS.ProcessEnv, stagedRole: string | undefined): Run {
  const world = createWorld(env);
  const invocation = { invocationId: "req-1", deadline: world.clock.now + 60_000 };
  const strategy = chooseStrategy(world.config);
  const run = new Run(world.config, world.deps(), invocation, (staged) => strategy.roles(staged));
  if (stagedRole !== undefined) {
    run.lease.hold(newPendingRecord("Staged-Passw0rd!", stagedRole, invocation, world.clock.now));
  }
  return run;
}

describe("stateLeft with alternating-users", () => {
  it.each([
    { staged: TWIN, published: ROLE },
    { staged: ROLE, published: TWIN },
  ])("names $staged as changed and $published as untouched", ({ staged, published }) => {
    const run = runHolding(ALTERNATING, staged);
    for (const step of ["apply", "verify"] as const) {
      const text = run.stateLeft(step);
      expect(text).toContain(`the password of ${staged}`);
      expect(text).toContain(
        `the password of ${published}, which was not touched and keeps working`,
      );
      expect(text).not.toContain("the role's password");
    }
    expect(run.stateLeft("publish-url")).toContain(`staged password for ${staged}`);
    expect(run.stateLeft("publish-url")).toContain(`${published}, whose password keeps working`);
    expect(run.stateLeft("refresh")).toContain(`the password of ${staged} is rotated`);
  });

  it("still names both roles after the lease is released (a refresh that failed after finish)", () => {
    const run = runHolding(ALTERNATING, TWIN);
    run.lease.release();
    expect(run.stateLeft("finished")).toBe(
      `the password of ${TWIN} is rotated and published, the pending parameter is deleted; ${ROLE} keeps its password until the next rotation`,
    );
  });

  it("before anything was staged, speaks of the published role without guessing a name", () => {
    const text = runHolding(ALTERNATING, undefined).stateLeft("apply");
    expect(text).toContain("the published role, which was not touched");
  });
});

describe("stateLeft with single-user", () => {
  it("names the role and says the password parameter holds its previous password", () => {
    const run = runHolding({}, ROLE);
    expect(run.stateLeft("apply")).toContain(`the password of ${ROLE} may or may not have changed`);
    expect(run.stateLeft("apply")).toContain("/app/db/password holds the previous one");
    expect(run.stateLeft("apply")).not.toContain("not touched");
    expect(run.stateLeft("finished")).toBe(
      `the password of ${ROLE} is rotated and published, the pending parameter is deleted`,
    );
  });
});
