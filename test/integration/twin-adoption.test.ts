/**
 * alternating-users adopts an existing `<user>_clone` only when nobody else could use it and
 * it has no power an application role must not have: no other members or admins, no
 * SUPERUSER, CREATEROLE, BYPASSRLS or REPLICATION. Otherwise the rotation stops with
 * twin-not-adoptable and the exact statements that fix it; the twin's password and the
 * published credentials are untouched. Once the statements ran, the next rotation adopts it.
 */
import { escapeIdentifier } from "pg";
import { createHandler } from "../../lambda-src/handler";
import { uniqueName } from "../support/harness";
import {
  changesPerRole,
  createAlternatingScenario,
  readPublished,
  type AlternatingScenario,
} from "./support/alternating";
import { lambdaContext } from "./support/context";
import { expectRotationError, rotateExpectingFailure } from "./support/failures";
import { useCapturedOutput } from "./support/output";
import { markServerLog } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

/** A twin made by the superuser before the first rotation, then `setUp(twin)` on it. */
async function withExistingTwin(setUp: (twin: string) => string[]) {
  const s = await createAlternatingScenario();
  await s.h.admin(`CREATE ROLE ${escapeIdentifier(s.twin)} LOGIN`);
  for (const statement of setUp(escapeIdentifier(s.twin))) await s.h.admin(statement);
  return s;
}

/** The rotation stops at apply with twin-not-adoptable; nothing the applications use changed. */
async function expectRefused(s: AlternatingScenario) {
  const mark = markServerLog(s.h);
  const error = expectRotationError(
    await rotateExpectingFailure(s.env),
    "twin-not-adoptable",
    "apply",
  );
  expect(changesPerRole(s, mark)).toEqual({ primary: 0, twin: 0 });
  expect(await readPublished(s)).toEqual({ username: s.primary, password: s.initialPassword });
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);
  // pg_auth_members, not pg_has_role: a superuser "has" every role.
  const grants = await s.h.admin(
    `SELECT 1 FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member
     JOIN pg_roles r ON r.oid = a.roleid WHERE m.rolname = $1 AND r.rolname = $2`,
    [s.twin, s.primary],
  );
  expect(grants).toEqual([]);
  return error;
}

/** Runs the statements the error names, as the superuser, then rotates: the twin is adopted. */
async function expectAdoptedAfter(s: AlternatingScenario, action: string) {
  const statements = action.match(/(ALTER ROLE|REVOKE) [^;]+;/g) ?? [];
  expect(statements.length).toBeGreaterThan(0);
  for (const statement of statements) await s.h.admin(statement);
  await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());
  expect((await readPublished(s)).username).toBe(s.twin);
}

test("a twin another role is a member of is refused, with the REVOKE that fixes it", async () => {
  const intruder = uniqueName("intruder");
  const s = await withExistingTwin((twin) => [
    `CREATE ROLE ${intruder} LOGIN`,
    `GRANT ${twin} TO ${intruder}`,
  ]);

  const error = await expectRefused(s);

  expect(error.message).toContain(`${intruder} are members of it`);
  expect(error.action).toContain(`REVOKE "${s.twin}" FROM "${intruder}";`);
  await expectAdoptedAfter(s, error.action);
});

test("a twin another role holds ADMIN OPTION on is refused", async () => {
  const admin = uniqueName("other_admin");
  const s = await withExistingTwin((twin) => [
    `CREATE ROLE ${admin}`,
    `GRANT ${twin} TO ${admin} WITH ADMIN OPTION`,
  ]);

  const error = await expectRefused(s);

  expect(error.message).toContain(`${admin} hold ADMIN OPTION on it`);
  expect(error.action).toContain(`REVOKE "${s.twin}" FROM "${admin}";`);
  await expectAdoptedAfter(s, error.action);
});

test("a twin with SUPERUSER, CREATEROLE, BYPASSRLS or REPLICATION is refused", async () => {
  const s = await withExistingTwin((twin) => [
    `ALTER ROLE ${twin} SUPERUSER CREATEROLE BYPASSRLS REPLICATION`,
  ]);

  const error = await expectRefused(s);

  for (const power of ["SUPERUSER", "CREATEROLE", "BYPASSRLS", "REPLICATION"]) {
    expect(error.message).toContain(`it has ${power}`);
  }
  expect(error.action).toContain(
    `ALTER ROLE "${s.twin}" NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION;`,
  );
  await expectAdoptedAfter(s, error.action);
});

test("a plain existing twin is adopted", async () => {
  const s = await withExistingTwin(() => []);

  await createHandler({ env: s.env })({ action: "rotate" }, lambdaContext());

  expect((await readPublished(s)).username).toBe(s.twin);
});
