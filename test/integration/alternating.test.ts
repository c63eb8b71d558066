/**
 * The alternating-users strategy through the handler, against the real PostgreSQL and the
 * AWS emulator: the twin is created by the administrative role, each rotation changes only
 * the role not in use and publishes it, the credentials in use keep working, and whatever
 * either role creates belongs to the primary.
 */
import { Client } from "pg";
import type { RotationError } from "../../lambda-src/errors";
import { createHandler } from "../../lambda-src/handler";
import { deleteParameter, putSecureString, readParameter } from "./support/aws";
import {
  changesPerRole,
  createAlternatingScenario,
  putAdminCredentials,
  readPublished,
  twinState,
  type AlternatingScenario,
} from "./support/alternating";
import { lambdaContext } from "./support/context";
import { expectDatabaseUrl } from "./support/expectations";
import {
  expectNothingChanged,
  expectRotationError,
  rotateExpectingFailure,
} from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { snapshot } from "./support/scenario";
import { markServerLog } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

async function rotate(s: AlternatingScenario) {
  return createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());
}

/** A rotation that must stop at read with `kind`, leaving SSM and both roles as they were. */
async function expectRefusedAtRead(s: AlternatingScenario, kind: string): Promise<RotationError> {
  const before = await snapshot(s);
  const mark = markServerLog(s.h);
  const error = expectRotationError(await rotateExpectingFailure(s.env), kind, "read");
  await expectNothingChanged(s, before, mark);
  expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });
  return error;
}

/** Logs in as `user` and returns who owns a table created in that session. */
async function ownerOfTableCreatedBy(s: AlternatingScenario, user: string, password: string) {
  const client = new Client(s.h.loginConfig(user, password));
  await client.connect();
  try {
    const table = `t_${user}`.slice(0, 60);
    await client.query(`CREATE TABLE "${table}" (id int)`);
    const { rows } = await client.query<{ owner: string }>(
      "SELECT tableowner AS owner FROM pg_tables WHERE tablename = $1",
      [table],
    );
    return rows[0]?.owner;
  } finally {
    await client.end();
  }
}

test("the first rotation creates the twin, changes only its password, publishes it and refreshes the service; the primary keeps working", async () => {
  const s = await createAlternatingScenario({ services: 1 });
  const before = await snapshot(s);
  expect(await twinState(s)).toBeUndefined();
  const mark = markServerLog(s.h);

  const result = await rotate(s);

  expect(result).toMatchObject({ outcome: "rotated" });
  expect(await twinState(s)).toEqual({
    canLogin: true,
    config: [`role=${s.primary}`],
    memberOfPrimary: true,
  });
  const published = await readPublished(s);
  expect(published.username).toBe(s.twin);
  expect(published.password).not.toBe(s.initialPassword);
  expect(await s.h.canLogin(s.twin, published.password)).toBe(true);
  // Tasks still holding the primary's credentials are not locked out.
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
  expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 1 });

  const after = await snapshot(s);
  expect(after.password?.type).toBe("SecureString");
  expect(after.pending).toBeUndefined();
  expect((await readParameter(s.usernameParameter ?? ""))?.type).toBe("String");
  // DATABASE_URL carries the twin as its user.
  expectDatabaseUrl({ ...s, role: s.twin }, after.databaseUrl?.value ?? "", published.password);
  const [service] = s.services;
  expect(after.deployments[service ?? ""]?.[0]).toBeDefined();
  expect(after.deployments[service ?? ""]?.[0]).not.toBe(before.deployments[service ?? ""]?.[0]);
});

test("consecutive rotations alternate between the roles, each changing only the role not in use", async () => {
  const s = await createAlternatingScenario();
  const handler = createHandler({ env: s.env });
  let previous = { username: s.primary, password: s.initialPassword };

  for (const expected of [s.twin, s.primary, s.twin]) {
    const mark = markServerLog(s.h);
    expect(await handler({ action: "rotate" }, lambdaContext())).toMatchObject({
      outcome: "rotated",
    });
    const published = await readPublished(s);
    expect(published.username).toBe(expected);
    expect(await s.h.canLogin(published.username, published.password)).toBe(true);
    // The role published before this rotation still logs in with its password.
    expect(await s.h.canLogin(previous.username, previous.password)).toBe(true);
    expect(changesPerRole(s, mark)).toEqual(
      expected === s.twin ? { primary: 0, twin: 1 } : { primary: 1, twin: 0 },
    );
    previous = published;
  }
});

test("whatever the primary or the twin creates is owned by the primary", async () => {
  const s = await createAlternatingScenario();
  await rotate(s);
  const twin = await readPublished(s);

  expect(await ownerOfTableCreatedBy(s, s.twin, twin.password)).toBe(s.primary);
  expect(await ownerOfTableCreatedBy(s, s.primary, s.initialPassword)).toBe(s.primary);
});

test("without a username parameter, the published role is the one the password logs in as, and DATABASE_URL carries it", async () => {
  const s = await createAlternatingScenario({ usernameParameter: false });
  const handler = createHandler({ env: s.env });

  await handler({ action: "rotate" }, lambdaContext());
  const first = await readPublished(s);
  expect(first.username).toBe(s.twin);

  const mark = markServerLog(s.h);
  await handler({ action: "rotate" }, lambdaContext());
  const second = await readPublished(s);
  expect(second.username).toBe(s.primary);
  expect(changesPerRole(s, mark)).toEqual({ primary: 1, twin: 0 });
  expect(await s.h.canLogin(s.twin, first.password)).toBe(true);
});

test("an existing twin that lost its membership and setting is repaired by the next rotation", async () => {
  const s = await createAlternatingScenario();
  await rotate(s);
  await rotate(s); // back on the primary: the twin is the next one to change
  await s.h.admin(`REVOKE "${s.primary}" FROM "${s.twin}"`);
  await s.h.admin(`ALTER ROLE "${s.twin}" RESET role`);

  await rotate(s);

  expect(await twinState(s)).toEqual({
    canLogin: true,
    config: [`role=${s.primary}`],
    memberOfPrimary: true,
  });
});

test("a dry run finds the published role and checks the administrative login, changing nothing", async () => {
  const s = await createAlternatingScenario();
  const handler = createHandler({ env: s.env });
  await handler({ action: "rotate" }, lambdaContext());
  const before = await snapshot(s);
  const mark = markServerLog(s.h);

  const report = await handler({ action: "dry-run" }, lambdaContext());

  expect(report).toMatchObject({ outcome: "dry-run", ok: true });
  const checks = "checks" in report ? report.checks : [];
  const detail = (name: string) => checks.find((c) => c.check === name)?.detail ?? "";
  expect(detail("current-password-login")).toContain(`as ${s.twin}, the published role`);
  expect(detail("admin-login")).toContain(s.admin.username);
  expect(JSON.stringify(report)).not.toContain(s.admin.password);
  expect(await snapshot(s)).toEqual(before);
  expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });

  await putAdminCredentials(s, { password: "Wrong-admin-password-2" });
  const failed = await handler({ action: "dry-run" }, lambdaContext()).catch((e: unknown) => e);
  expectRotationError(failed, "dry-run-failed", "handler");
  expect((failed as Error).message).toContain("admin-login");
  expect((failed as Error).message).not.toContain("Wrong-admin-password-2");
});

describe("bad input and bad state stop the run with a clear error and change nothing", () => {
  test("the administrative credentials parameter is missing", async () => {
    const s = await createAlternatingScenario();
    await deleteParameter(s.adminParameter);

    const error = await expectRefusedAtRead(s, "parameter-missing");
    expect(error.message).toContain(s.adminParameter);
    expect(error.action).toContain('"username"');
    expect(await twinState(s)).toBeUndefined();
  });

  test("the administrative credentials are not JSON", async () => {
    const s = await createAlternatingScenario();
    await putSecureString(s.adminParameter, `${s.admin.password}`);

    const error = await expectRefusedAtRead(s, "parameter-malformed");
    expect(error.message).toContain("not JSON");
    expect(error.message).not.toContain(s.admin.password);
  });

  test("the database rejects the administrative credentials", async () => {
    const s = await createAlternatingScenario();
    await putAdminCredentials(s, { password: "Wrong-admin-password-1" });

    const error = await expectRefusedAtRead(s, "admin-credentials-rejected");
    expect(error.message).toContain(s.adminParameter);
    expect(error.message).not.toContain("Wrong-admin-password-1");
  });

  test("the administrative credentials are those of a rotated role", async () => {
    const s = await createAlternatingScenario();
    await putAdminCredentials(s, { username: s.primary, password: s.initialPassword });

    await expectRefusedAtRead(s, "parameter-malformed");
  });

  test("the administrative role may not create roles: a clear error with the fix, the twin is not created and nothing is published", async () => {
    const s = await createAlternatingScenario({ adminCanCreateRoles: false });
    const mark = markServerLog(s.h);

    const error = expectRotationError(
      await rotateExpectingFailure(s.env),
      "admin-privileges-missing",
      "apply",
    );

    expect(error.message).toContain(`${s.admin.username} may not create role ${s.twin}`);
    expect(error.message).toContain("42501");
    expect(error.action).toContain(`ALTER ROLE "${s.admin.username}" CREATEROLE`);
    expect(error.action).toContain(
      `GRANT "${s.primary}" TO "${s.admin.username}" WITH ADMIN OPTION`,
    );
    // The state names the role this run staged and the published one it left alone.
    expect(error.stateLeft).toContain(`staged password for ${s.twin}`);
    expect(error.stateLeft).toContain(`the password of ${s.primary}, which was not touched`);
    expect(await twinState(s)).toBeUndefined();
    const published = await readPublished(s);
    expect(published).toEqual({ username: s.primary, password: s.initialPassword });
    expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
    expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });
  });

  test("the username parameter names a role that is neither the primary nor the twin", async () => {
    const s = await createAlternatingScenario();
    await putSecureString(s.usernameParameter ?? "", "someone_else");

    const error = await expectRefusedAtRead(s, "parameter-malformed");
    // The value is not echoed: a misconfigured parameter could hold anything, even a password.
    expect(error.message).toContain(s.usernameParameter);
    expect(error.message).not.toContain("someone_else");
  });

  test("the published password logs in as neither role (credential drift)", async () => {
    const s = await createAlternatingScenario({ usernameParameter: false });
    await s.h.createLoginRole(s.primary, "Changed-out-of-band-1");

    const error = await expectRefusedAtRead(s, "credential-drift");
    expect(error.message).toContain(s.twin);
  });
});
