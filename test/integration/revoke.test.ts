/**
 * Emergency revoke (docs/operations.md §Emergency revoke, docs/design.md §Revoke): every role
 * the function manages ends with a password no one has seen, the published credentials log in
 * throughout, and a crash before the previous role's password is replaced is finished by the
 * resume schedule's event. Real PostgreSQL and the moto server.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHandler } from "../../lambda-src/handler";
import {
  changesPerRole,
  createAlternatingScenario,
  readPublished,
  type AlternatingScenario,
} from "./support/alternating";
import { readParameter } from "./support/aws";
import { lambdaContext } from "./support/context";
import { SimulatedCrash, crashingHandler } from "./support/crash";
import { expectRotated } from "./support/expectations";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

useCapturedOutput();

const event = (file: string): unknown =>
  JSON.parse(readFileSync(join(__dirname, "../../events", file), "utf8"));

/** Every value the function stored, so a test can check a password is in none of them. */
async function storedValues(s: AlternatingScenario): Promise<string> {
  const names = [
    s.parameters.password,
    s.parameters.pending,
    s.parameters.databaseUrl,
    s.usernameParameter,
  ];
  const values = await Promise.all(names.map((n) => (n ? readParameter(n) : undefined)));
  return values.map((v) => v?.value ?? "").join("\n");
}

/** After a revoke: the twin is published and logs in, the primary accepts no known password. */
async function expectRevoked(s: AlternatingScenario): Promise<void> {
  const published = await readPublished(s);
  expect(published.username).toBe(s.twin);
  expect(await s.h.canLogin(s.twin, published.password)).toBe(true);
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(false);
  expect(await s.h.canLogin(s.primary, published.password)).toBe(false);
  expect((await snapshot(s)).pending).toBeUndefined();
}

test("alternating-users: both roles end with new passwords, the previous one never published", async () => {
  const s = await createAlternatingScenario();
  const mark = markServerLog(s.h);

  const result = await createHandler({ env: s.env })(event("revoke.json"), lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated" });
  await expectRevoked(s);
  expect(changesPerRole(s, mark)).toEqual({ primary: 1, twin: 1 });
  // The primary's new password was never written anywhere the function writes.
  expect(await storedValues(s)).not.toContain(s.initialPassword);
});

test("alternating-users: a revoke crashed after the refresh is finished by the resume event", async () => {
  const s = await createAlternatingScenario();
  const mark = markServerLog(s.h);
  const crashing = crashingHandler(s.env, "refresh");
  await expect(crashing(event("revoke.json"), lambdaContext(0))).rejects.toThrow(SimulatedCrash);
  // Published credentials log in throughout; the leaked one is not yet replaced.
  const published = await readPublished(s);
  expect(await s.h.canLogin(published.username, published.password)).toBe(true);
  expect(await s.h.canLogin(s.primary, s.initialPassword)).toBe(true);

  const result = await createHandler({ env: s.env })(event("resume.json"), lambdaContext());

  expect(result).toMatchObject({ outcome: "recovered" });
  await expectRevoked(s);
  expect(changesPerRole(s, mark)).toEqual({ primary: 1, twin: 1 });
});

test("single-user: a revoke is one rotation, which already leaves the old password useless", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const mark = markServerLog(s.h);

  const result = await createHandler({ env: s.env })(event("revoke.json"), lambdaContext());

  expect(result).toMatchObject({ outcome: "rotated" });
  await expectRotated(s, s.initialPassword, before);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);
});
