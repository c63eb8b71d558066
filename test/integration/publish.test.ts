/**
 * Publishing (docs/design.md §Data flow, step 5) with a fault between the writes: DATABASE_URL,
 * the one value holding both the username and the password, is written first, so from the
 * first write on its readers get a pair the database accepts; the separate parameters follow
 * as mirrors, and the resume schedule's event finishes the rest. Real PostgreSQL and moto.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHandler } from "../../lambda-src/handler";
import { freshRotationSteps } from "../support/steps";
import { readParameter } from "./support/aws";
import { lambdaContext } from "./support/context";
import { crashRightAfter } from "./support/crash";
import { expectRotated } from "./support/expectations";
import { useCapturedOutput } from "./support/output";
import { createScenario, snapshot } from "./support/scenario";

jest.setTimeout(60_000);

useCapturedOutput();

const RESUME_EVENT: unknown = JSON.parse(
  readFileSync(join(__dirname, "../../events/resume.json"), "utf8"),
);

test("a crash right after the first publish write leaves DATABASE_URL with a pair that logs in", async () => {
  const s = await createScenario();
  const before = await snapshot(s);
  const firstPublish = freshRotationSteps().find((step) => step.startsWith("publish-"));
  expect(firstPublish).toBe("publish-url");

  await crashRightAfter(s.env, firstPublish ?? "publish-url");

  // A task starting now reads DATABASE_URL: its username and password go together.
  const url = new URL((await readParameter(s.parameters.databaseUrl ?? ""))?.value ?? "");
  const [user, password] = [url.username, url.password].map(decodeURIComponent);
  expect(await s.h.canLogin(user ?? "", password ?? "")).toBe(true);

  const result = await createHandler({ env: s.env })(RESUME_EVENT, lambdaContext());
  expect(result).toMatchObject({ outcome: "recovered" });
  expect(await expectRotated(s, s.initialPassword, before)).toBe(password);
});
