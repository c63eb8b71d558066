/**
 * Secrets stay secret with SECRET_STORE=secretsmanager too (docs/design.md §Invariants 3):
 * across Secrets Manager's four steps, retries, a crash inside setSecret, the built bundle
 * killed in its own process, a stale AWSPENDING recovered, and failures whose inputs hold
 * passwords, no password this role ever had or was staged (nor the administrative one)
 * appears, in any spelling, in what the Lambda prints, in any error it throws, or in the
 * PostgreSQL server log, which shows each ALTER ROLE carrying a SCRAM-SHA-256 verifier.
 */
import { randomUUID } from "node:crypto";
import { createHandler } from "../../lambda-src/handler";
import { leaks } from "../support/leaks";
import { runHandlerInChild } from "./support/child";
import { lambdaContext } from "./support/context";
import { SimulatedCrash } from "./support/crash";
import { captureOutput } from "./support/output";
import { testPassword } from "./support/scenario";
import {
  createSmScenario,
  putCurrent,
  readStage,
  stepEvent,
  STEPS,
  type SmScenario,
  type Step,
} from "./support/secrets-manager";

jest.setTimeout(90_000);

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = Object.fromEntries(Object.entries(error));
  return `${error.name}: ${error.message}\n${error.stack ?? ""}\n${JSON.stringify(fields)}`;
}

test("no password appears in logs, errors or the server log; the server sees only SCRAM verifiers", async () => {
  const s = await createSmScenario({ services: 1 });
  const secrets = new Map<string, string>([["initial password", s.initialPassword]]);
  const logs: string[] = [];
  const errors: string[] = [];
  const failures: string[] = [];
  const remember = async (what: string, stage = "AWSCURRENT") =>
    secrets.set(what, (await readStage(s, stage))?.password ?? "");

  async function invoke(step: Step, token: string, env = s.env, crashAfterApply = false) {
    const output = captureOutput();
    try {
      const hooks = crashAfterApply
        ? {
            afterStep: (done: string) => {
              if (done === "apply") throw new SimulatedCrash("crash");
            },
          }
        : undefined;
      await createHandler({ env, ...(hooks ? { hooks } : {}) })(
        stepEvent(s, step, token),
        lambdaContext(),
      );
    } catch (error) {
      errors.push(errorText(error));
      failures.push(String((error as { kind?: string }).kind ?? (error as Error).name));
    } finally {
      output.restore();
      logs.push(output.text());
    }
  }
  const rotation = async (token = randomUUID()) => {
    for (const step of STEPS) await invoke(step, token);
  };

  // A clean rotation, each step retried once with the same token.
  const first = randomUUID();
  for (const step of STEPS) {
    await invoke(step, first);
    await invoke(step, first);
  }
  await remember("password after rotation 1");

  // A crash inside setSecret right after ALTER ROLE, then Secrets Manager's retries.
  const second = randomUUID();
  await invoke("createSecret", second);
  await remember("password staged by the crashed setSecret", "AWSPENDING");
  await invoke("setSecret", second, s.env, true);
  for (const step of STEPS.slice(1)) await invoke(step, second);
  await remember("password after rotation 2");

  // The built bundle in its own process: setSecret killed after apply, a new token recovers.
  const third = randomUUID();
  await invoke("createSecret", third);
  await remember("password staged for the killed process", "AWSPENDING");
  const bundle = { moduleFile: s.h.bundle.indexPath, env: s.env };
  const killed = await runHandlerInChild({
    ...bundle,
    event: stepEvent(s, "setSecret", third),
    killAfter: "apply",
  });
  expect(killed.signal).toBe("SIGKILL");
  const child: string[] = [killed.stdout, killed.stderr];
  const fourth = randomUUID();
  for (const step of STEPS) {
    const run = await runHandlerInChild({ ...bundle, event: stepEvent(s, step, fourth) });
    expect(run.outcome).toMatchObject({ ok: true });
    child.push(run.stdout, run.stderr);
  }
  await remember("password after recovery by the bundle");

  // Failures whose inputs hold passwords: AWSCURRENT wrong, AWSCURRENT malformed with a
  // password in it, and a host whose certificate does not match.
  const good = JSON.stringify(await readStage(s));
  const wrong = testPassword();
  secrets.set("wrong password in AWSCURRENT", wrong);
  await putCurrent(s, JSON.stringify({ ...JSON.parse(good), password: wrong }));
  await invoke("createSecret", randomUUID());
  const inMalformed = testPassword();
  secrets.set("password in a malformed version", inMalformed);
  await putCurrent(s, `{"password":"${inMalformed}"`);
  await invoke("createSecret", randomUUID());
  await putCurrent(s, JSON.stringify({ password: inMalformed, username: "someone_else" }));
  await invoke("createSecret", randomUUID());
  await putCurrent(s, good);
  await invoke("createSecret", randomUUID(), { ...s.env, DB_HOST: s.h.mismatchedHost });
  await rotation();
  await remember("password after rotation 5");

  expect(failures).toEqual([
    "SimulatedCrash",
    "credential-drift",
    "secret-malformed",
    "secret-malformed",
    "database-unreachable",
  ]);
  const allLogs = `${logs.join("\n")}\n${child.join("\n")}`;
  // The captures saw the Lambda's logs (a capture that saw nothing would prove nothing).
  expect(allLogs).toContain('"outcome":"promoted"');
  expect(allLogs).toContain('"step":"apply"');
  for (const secret of secrets.values()) expect(secret.length).toBeGreaterThanOrEqual(16);
  expect(leaks(allLogs, secrets)).toEqual([]);
  expect(leaks(errors.join("\n"), secrets)).toEqual([]);
  const serverLog = s.h.readServerLog();
  expect(leaks(serverLog, secrets)).toEqual([]);
  // Rotations 1, 2, the killed setSecret, the bundle's rotation and rotation 5: five changes,
  // each with a verifier.
  const changes = serverLog.match(
    new RegExp(`statement: ALTER ROLE "${s.role}" PASSWORD 'SCRAM-SHA-256\\$4096:[^']+'`, "g"),
  );
  expect(changes).toHaveLength(5);
});
