/**
 * Secrets stay secret (docs/design.md §Invariants 3): across rotations, crashes, recoveries and
 * failures, no password this role ever had or was staged appears, plain or URL-encoded, in
 * what the Lambda prints, in any error it throws, or in the PostgreSQL server log, which
 * instead shows the ALTER ROLE carrying a SCRAM-SHA-256 verifier.
 */
import { createHandler } from "../../lambda-src/handler";
import type { StepName } from "../../lambda-src/core/steps";
import { leaks } from "../support/leaks";
import { putSecureString, readParameter } from "./support/aws";
import { runHandlerInChild } from "./support/child";
import { lambdaContext } from "./support/context";
import { crashingHandler, EXPIRED_LEASE } from "./support/crash";
import { captureOutput } from "./support/output";
import { readPending, seedExpiredPending } from "./support/pending";
import { createScenario, testPassword, type Scenario } from "./support/scenario";

jest.setTimeout(90_000);

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = Object.fromEntries(Object.entries(error));
  return `${error.name}: ${error.message}\n${error.stack ?? ""}\n${JSON.stringify(fields)}`;
}

test("no password appears in logs, errors or the server log; the server sees only SCRAM verifiers", async () => {
  const s: Scenario = await createScenario({ services: 1 });
  const secrets = new Map<string, string>([["initial password", s.initialPassword]]);
  const logs: string[] = [];
  const errors: string[] = [];
  const failures: string[] = [];
  const currentPassword = async () => (await readParameter(s.parameters.password))?.value ?? "";

  /** One in-process invocation; its output and any error it throws are kept for the checks. */
  async function invoke(
    env: NodeJS.ProcessEnv,
    options: { crashAfter?: StepName; remainingMs?: number } = {},
  ): Promise<void> {
    const output = captureOutput();
    try {
      const handler = options.crashAfter
        ? crashingHandler(env, options.crashAfter)
        : createHandler({ env });
      await handler({ action: "rotate" }, lambdaContext(options.remainingMs));
    } catch (error) {
      errors.push(errorText(error));
      failures.push(String((error as { kind?: string }).kind ?? (error as Error).name));
    } finally {
      output.restore();
      logs.push(output.text());
    }
  }

  // A clean rotation.
  await invoke(s.env);
  secrets.set("password after rotation 1", await currentPassword());

  // A crash after apply, then the recovery.
  await invoke(s.env, { crashAfter: "apply", remainingMs: EXPIRED_LEASE });
  secrets.set("password staged by the crashed run", (await readPending(s))?.password ?? "");
  await invoke(s.env);
  secrets.set("password after recovery 1", await currentPassword());

  // The built bundle in its own process: killed after publishing the password, then recovered.
  const killed = await runHandlerInChild({
    moduleFile: s.h.bundle.indexPath,
    env: s.env,
    killAfter: "publish-password",
    remainingMs: EXPIRED_LEASE,
  });
  expect(killed.signal).toBe("SIGKILL");
  secrets.set("password staged by the killed process", (await readPending(s))?.password ?? "");
  const recovered = await runHandlerInChild({ moduleFile: s.h.bundle.indexPath, env: s.env });
  expect(recovered.outcome).toMatchObject({ ok: true });
  const childLogs = [killed.stdout, killed.stderr, recovered.stdout, recovered.stderr].join("\n");
  secrets.set("password after recovery 2", await currentPassword());

  // Failures whose inputs hold passwords: a wrong stored password, a malformed pending
  // parameter that still contains one, a certificate mismatch, then credential drift.
  const good = await currentPassword();
  const wrong = testPassword();
  secrets.set("wrong stored password", wrong);
  await putSecureString(s.parameters.password, wrong);
  await invoke(s.env);
  await putSecureString(s.parameters.password, `${good}\n`);
  await invoke(s.env);
  await putSecureString(s.parameters.password, good);

  const inMalformedPending = testPassword();
  secrets.set("password in a malformed pending parameter", inMalformedPending);
  await putSecureString(
    s.parameters.pending,
    JSON.stringify({ version: 1, password: inMalformedPending }),
  );
  await invoke(s.env);
  await putSecureString(s.parameters.pending, `{"password":"${inMalformedPending}"`);
  await invoke(s.env);

  const staged = testPassword();
  secrets.set("staged password of an expired pending", staged);
  await seedExpiredPending(s, staged);
  await invoke({ ...s.env, DB_HOST: s.h.mismatchedHost });
  const outsider = testPassword();
  secrets.set("password set outside the rotation", outsider);
  await s.h.createLoginRole(s.role, outsider);
  await invoke(s.env);

  // Each failure above did fail, and the capture did see this Lambda's logs.
  expect(failures).toEqual([
    "SimulatedCrash",
    "credential-drift",
    "parameter-malformed",
    "parameter-malformed",
    "parameter-malformed",
    "database-unreachable",
    "credential-drift",
  ]);
  // Both captures saw the Lambda's logs (a capture that saw nothing would prove nothing).
  for (const captured of [logs.join("\n"), childLogs]) {
    expect(captured).toContain('"step":"apply"');
    expect(captured).toContain('"outcome":"recovered"');
  }
  const allLogs = `${logs.join("\n")}\n${childLogs}`;
  for (const secret of secrets.values()) expect(secret.length).toBeGreaterThanOrEqual(16);

  expect(leaks(allLogs, secrets)).toEqual([]);
  expect(leaks(errors.join("\n"), secrets)).toEqual([]);
  const serverLog = s.h.readServerLog();
  expect(leaks(serverLog, secrets)).toEqual([]);

  // The server log is where a plaintext would have shown: it holds this role's password
  // changes, each with a verifier (rotation 1, recovery 1, the killed run, not recovery 2).
  const changes = serverLog.match(
    new RegExp(`statement: ALTER ROLE "${s.role}" PASSWORD 'SCRAM-SHA-256\\$4096:[^']+'`, "g"),
  );
  expect(changes).toHaveLength(3);
});
