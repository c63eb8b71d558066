/**
 * Secrets Manager's four rotation steps mapped onto the protocol's (docs/design.md §Secrets
 * Manager store): createSecret = read + stage, setSecret = apply, testSecret = verify,
 * finishSecret = publish + refresh. Each one is idempotent for Secrets Manager's retries with
 * the same token: it first looks at what the token's version already is, and does only what
 * is left. The invariant: at every instant AWSCURRENT or AWSPENDING holds a password the
 * database accepts. Connection host, port and database always come from the configuration,
 * never from the secret's content.
 */
import { generatePassword } from "../../password";
import type { RotationOutcome } from "../outcome";
import { judgeRefresh, refreshServices } from "../protocol";
import { nextVersion, type RdsSecret } from "./rds-secret";
import type { FourStepRun } from "./run";
import {
  CURRENT,
  PENDING,
  hasStage,
  inspect,
  readVersion,
  requireVersion,
  tokenProblem,
  type SecretView,
} from "./secret-view";
import { loginError, recoverStale } from "./stale";

/**
 * createSecret. Assumes nothing. Changes: a pending version from an earlier token is promoted
 * or discarded (stale.ts); then a new version under the token, labelled AWSPENDING, for the
 * next role with a freshly generated password. The database is untouched.
 */
export async function createSecret(run: FourStepRun, secretId: string): Promise<RotationOutcome> {
  let view = await run.step("read", () => inspect(run, secretId));
  if (hasStage(view.token, CURRENT)) return alreadyCurrent(run);
  const stale = view.stale;
  if (stale !== undefined) {
    const recovered = view;
    await run.step("recover", () => recoverStale(run, recovered, stale));
    view = await inspect(run, secretId);
  }
  const current = await run.step("read", () => checkedCurrent(run));
  const staged = await readVersion(run, { versionId: tokenOf(run) });
  if (staged !== undefined && staged.password !== current.password) {
    run.logger.info("the token's version is already staged", { step: "stage", outcome: "ok" });
    return "step-completed";
  }
  await run.step("stage", () => stage(run, view, current));
  return "step-completed";
}

async function stage(run: FourStepRun, view: SecretView, current: RdsSecret): Promise<void> {
  const password = generatePassword(run.config.passwordPolicy);
  run.secrets.remember(password);
  const username = run.access.next(current.username);
  const masterarn = run.access.masterArn;
  const value = nextVersion(
    current,
    { username, password, ...(masterarn ? { masterarn } : {}) },
    run.config.db,
  );
  await run.deps.versions.putPending(run.secretArn, tokenOf(run), value);
  run.logger.info("staged", {
    step: "stage",
    outcome: "staged",
    version: tokenOf(run),
    stagedRole: username,
    currentVersion: view.current.versionId,
  });
}

/** AWSCURRENT, which must log in as its role: a wrong password stops before any write. */
async function checkedCurrent(run: FourStepRun): Promise<RdsSecret> {
  const current = await requireVersion(run, { stage: CURRENT });
  const login = await run.access.login(run, current);
  if (login.kind === "accepted") return current;
  if (login.kind === "rejected") {
    throw run.fail("credential-drift", "read", {
      found: "current-rejected",
      parameter: `${run.secretArn} (AWSCURRENT)`,
      roles: [current.username],
      detail: run.secrets.sanitize(login.detail),
    });
  }
  throw loginError(run, "read", login);
}

/**
 * setSecret. Assumes: the token's version is AWSPENDING. Changes: the pending role's
 * password, by a SCRAM verifier, unless the pending password already logs in (a retry after
 * a commit whose answer was lost). alternating-users never changes the role AWSCURRENT names.
 */
export async function setSecret(run: FourStepRun, secretId: string): Promise<RotationOutcome> {
  const view = await run.step("read", () => inspect(run, secretId));
  if (hasStage(view.token, CURRENT)) return alreadyCurrent(run);
  const pending = await run.step("read", () => pendingOf(run, view));
  const current = await requireVersion(run, { stage: CURRENT });
  if (run.access.allowed.length > 1 && pending.username === current.username) {
    throw run.fail("secret-malformed", "read", {
      secret: run.secretArn,
      version: `version ${tokenOf(run)}`,
      detail: `it names ${pending.username}, the role AWSCURRENT names and the tasks use`,
      fix: "rotate again: createSecret stages the other role",
    });
  }
  const login = await run.access.login(run, pending);
  if (login.kind === "accepted") {
    run.logger.info("the pending password already logs in", { step: "apply", outcome: "ok" });
    return "step-completed";
  }
  if (login.kind !== "rejected") throw loginError(run, "apply", login);
  await run.step("apply", () => run.access.apply(run, pending, current));
  return "step-completed";
}

/** testSecret. Assumes: setSecret committed. Changes nothing. Logs in over verified TLS. */
export async function testSecret(run: FourStepRun, secretId: string): Promise<RotationOutcome> {
  const view = await run.step("read", () => inspect(run, secretId));
  const pending = hasStage(view.token, CURRENT)
    ? await requireVersion(run, { versionId: tokenOf(run) })
    : await run.step("read", () => pendingOf(run, view));
  await run.step("verify", () => verify(run, pending));
  return "step-completed";
}

async function verify(run: FourStepRun, pending: RdsSecret): Promise<void> {
  const login = await run.access.login(run, pending);
  if (login.kind !== "accepted") throw loginError(run, "verify", login);
}

/**
 * finishSecret. Assumes: testSecret passed. Changes: AWSCURRENT moves to the token's version
 * (after one more login with its password: a label never moves onto a password the database
 * rejects) and AWSPENDING is removed from it; then the ECS services that read the secret are
 * restarted and waited for. A retry after AWSCURRENT moved only refreshes again.
 */
export async function finishSecret(run: FourStepRun, secretId: string): Promise<RotationOutcome> {
  const view = await run.step("read", () => inspect(run, secretId));
  if (!hasStage(view.token, CURRENT)) {
    const pending = await run.step("read", () => pendingOf(run, view));
    await run.step("publish-password", async () => {
      await verify(run, pending);
      await run.deps.versions.moveStage(run.secretArn, CURRENT, {
        to: tokenOf(run),
        from: view.current.versionId,
      });
    });
  }
  // The token's version had AWSPENDING unless a retry finds it already moved and cleared.
  if (hasStage(view.token, PENDING)) {
    await run.deps.versions.moveStage(run.secretArn, PENDING, { from: tokenOf(run) });
  }
  return refreshAndJudge(run, "rotated");
}

/**
 * Step 6 and its verdict: every service that reads the secret restarted, or refresh-failed.
 * Services still deploying when the invocation must end are handed over to the in-flight
 * refresh record (core/hand-over.ts), as with SSM, and the run ends "refresh-in-progress".
 */
export async function refreshAndJudge<O extends "rotated" | "recovered">(
  run: FourStepRun,
  outcome: O,
): Promise<O | "refresh-in-progress"> {
  return judgeRefresh(run, await refreshServices(run, outcome), outcome);
}

/** The token's pending version; raises rotation-token-invalid when it is not AWSPENDING. */
async function pendingOf(run: FourStepRun, view: SecretView): Promise<RdsSecret> {
  if (!hasStage(view.token, PENDING)) {
    throw tokenProblem(run, "its version is not AWSPENDING (createSecret did not stage it)");
  }
  return requireVersion(run, { versionId: tokenOf(run), stage: PENDING });
}

function alreadyCurrent(run: FourStepRun): RotationOutcome {
  run.logger.info("the token's version is already AWSCURRENT", {
    step: "read",
    outcome: "already-current",
  });
  return "step-completed";
}

function tokenOf(run: FourStepRun): string {
  if (run.token === undefined) throw new Error("a Secrets Manager step needs its token");
  return run.token;
}
