/**
 * A pending parameter left by a run whose lease expired (docs/design.md §Invariants 2): the next run
 * publishes it if it logs in, applies a password of its own if the current password still logs
 * in, and stops with credential drift, changing nothing, if neither does. Exactly one password
 * change in all. A record planted with a lease no run could hold is reported and taken over.
 */
import { CredentialDriftError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import { lambdaContext } from "./support/context";
import { expectRotated } from "./support/expectations";
import { expectRotationError, rotateExpectingFailure } from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { readPending, seedExpiredPending, seedPending } from "./support/pending";
import { createScenario, snapshot, testPassword } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

const output = useCapturedOutput();

describe("a pending parameter left by a run whose lease expired", () => {
  test("whose password logs in: the run publishes it without changing the password again", async () => {
    const s = await createScenario();
    const before = await snapshot(s);
    // The crashed run had applied its staged password.
    const staged = testPassword();
    await s.h.createLoginRole(s.role, staged);
    await seedExpiredPending(s, staged);
    const mark = markServerLog(s.h);

    const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(result).toMatchObject({ outcome: "recovered" });
    expect(await expectRotated(s, s.initialPassword, before)).toBe(staged);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toEqual([]);
  });

  test("whose password does not log in: the run applies one of its own, exactly one change", async () => {
    const s = await createScenario();
    const before = await snapshot(s);
    // The crashed run died before its ALTER ROLE committed.
    const staged = testPassword();
    await seedExpiredPending(s, staged);
    const mark = markServerLog(s.h);

    const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

    expect(result).toMatchObject({ outcome: "recovered" });
    // A stored record's password is never applied: whoever can write the parameter chose it.
    expect(await expectRotated(s, s.initialPassword, before)).not.toBe(staged);
    expect(await s.h.canLogin(s.role, staged)).toBe(false);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  });

  test("when neither password logs in: CredentialDriftError, no password change, both kept", async () => {
    const s = await createScenario();
    const staged = testPassword();
    const seeded = await seedExpiredPending(s, staged);
    // Someone else changed the role's password.
    const outsider = testPassword();
    await s.h.createLoginRole(s.role, outsider);
    const before = await snapshot(s);
    const mark = markServerLog(s.h);

    const error = await rotateExpectingFailure(s.env);

    const failure = expectRotationError(error, "credential-drift", "recover");
    expect(failure).toBeInstanceOf(CredentialDriftError);
    expect(failure.message).toContain(s.parameters.password);
    expect(failure.message).toContain(s.parameters.pending);
    expect(passwordChanges(s.h.readServerLog(mark), s.role)).toEqual([]);
    expect(await s.h.canLogin(s.role, outsider)).toBe(true);
    const after = await snapshot(s);
    expect(after.password).toEqual(before.password);
    expect(after.databaseUrl).toEqual(before.databaseUrl);
    expect(after.deployments).toEqual(before.deployments);
    // The staged password stays on record (its lease may be re-stamped, but not held).
    const pending = await readPending(s);
    expect(pending).toMatchObject({
      password: staged,
      username: s.role,
      stagedAt: seeded.stagedAt,
    });
    expect(Date.parse(pending?.leaseExpiresAt ?? "")).toBeLessThanOrEqual(Date.now());
  });
});

test("a planted record leasing the rotation for a year is reported, taken over, and its password never applied", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const chosen = testPassword();
  const year = 365 * 24 * 3600 * 1000;
  await seedPending(
    s,
    chosen,
    { invocationId: "planted", deadline: Date.now() + year },
    Date.now(),
  );
  const mark = markServerLog(s.h);

  const result = await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect(result).toMatchObject({ outcome: "recovered" });
  expect(await expectRotated(s, s.initialPassword, before)).not.toBe(chosen);
  expect(await s.h.canLogin(s.role, chosen)).toBe(false);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
  expect(output.text()).toContain('"outcome":"lease-out-of-reach"');
});
