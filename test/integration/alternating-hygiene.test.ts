/**
 * Secrets stay secret with alternating-users too (docs/design.md §Invariants 3): across rotations, a
 * crash and its recovery, and failures, neither the administrative password nor any password
 * either role had or was staged appears, plain or encoded, in what the Lambda prints, in the
 * errors it throws, or in the PostgreSQL server log.
 */
import { createHandler } from "../../lambda-src/handler";
import {
  createAlternatingScenario,
  putAdminCredentials,
  readPublished,
} from "./support/alternating";
import { lambdaContext } from "./support/context";
import { crashingHandler, EXPIRED_LEASE } from "./support/crash";
import { leaks } from "../support/leaks";
import { captureOutput } from "./support/output";
import { readPending } from "./support/pending";
import { markServerLog } from "./support/server-log";

jest.setTimeout(60_000);

test("no password, administrative or rotated, reaches the logs, the errors or the server log", async () => {
  const s = await createAlternatingScenario();
  const mark = markServerLog(s.h);
  const secrets = new Map<string, string>([
    ["admin password", s.admin.password],
    ["initial password", s.initialPassword],
  ]);
  const errors: string[] = [];
  const output = captureOutput();
  try {
    const handler = createHandler({ env: s.env });
    for (let i = 0; i < 2; i += 1) {
      await handler({ action: "rotate" }, lambdaContext());
      secrets.set(`published after rotation ${i + 1}`, (await readPublished(s)).password);
    }

    // A crash after apply, then the recovery.
    const crashing = crashingHandler(s.env, "apply");
    await crashing({ action: "rotate" }, lambdaContext(EXPIRED_LEASE)).catch((e: Error) =>
      errors.push(`${e.message}\n${e.stack ?? ""}`),
    );
    secrets.set("staged by the crashed run", (await readPending(s))?.password ?? "");
    await handler({ action: "rotate" }, lambdaContext());

    // Failures: wrong administrative credentials, then a dry run with them.
    await putAdminCredentials(s, { password: "Wrong-admin-password-3" });
    secrets.set("wrong admin password", "Wrong-admin-password-3");
    for (const action of ["rotate", "dry-run"]) {
      await handler({ action }, lambdaContext()).catch((e: Error) =>
        errors.push(`${e.message}\n${e.stack ?? ""}`),
      );
    }
  } finally {
    output.restore();
  }

  expect(errors).toHaveLength(3);
  expect(output.text()).toContain("admin-credentials-rejected");
  expect(leaks(output.text(), secrets)).toEqual([]);
  expect(leaks(errors.join("\n"), secrets)).toEqual([]);
  const serverLog = s.h.readServerLog(mark);
  expect(serverLog).toMatch(/ALTER ROLE .* PASSWORD 'SCRAM-SHA-256\$/);
  expect(leaks(serverLog, secrets)).toEqual([]);
});
