/**
 * Step 5 of the protocol (docs/design.md §Data flow), publish: DATABASE_URL goes first: it
 * carries the username and the password in one value, so its readers switch from one valid
 * pair to the other at once; the password and username parameters follow as mirrors. Two
 * parameters cannot switch together, so between those two writes a reader of both gets a
 * mismatched pair; each write is retried within the run, and a run that still fails leaves the
 * pending parameter for the next run (the hourly resume schedule) to publish again.
 */
import { buildDatabaseUrl } from "../database-url";
import { REFRESH_SAFETY_MARGIN_MS, SecretStoreError } from "./ports";
import type { Run } from "./run";
import type { StepName } from "./steps";

/** Step 5: every configured parameter, in that order, each confirmed readable. */
export async function publishAll(run: Run): Promise<void> {
  if (run.config.parameters.databaseUrl !== undefined) {
    await run.step("publish-url", () => retried(run, () => publishDatabaseUrl(run)));
  }
  await run.step("publish-password", () => retried(run, () => publishPassword(run)));
  if (run.config.parameters.username !== undefined) {
    await run.step("publish-username", () => retried(run, () => publishUsername(run)));
  }
  run.record.published();
}

/**
 * Step 5b, publish the password. Assumes: the database accepts the staged password; 5a done.
 * Changes: the password parameter (Overwrite; the KMS key is kept unless one is configured).
 * Confirms a decrypted read returns the new value. Raises: parameter-store, publish-not-readable.
 */
async function publishPassword(run: Run): Promise<void> {
  const name = run.config.parameters.password;
  const keys = await run.keys.get();
  await run.deps.store.putSecureString(name, run.lease.password(), keys.password);
  await confirmReadable(run, "publish-password", name, run.lease.password());
}

/**
 * Step 5c, publish the username (only when configured). Assumes: 5a and 5b done.
 * Changes: the username parameter (a String) to the staged role: DB_USER, or with
 * alternating-users the role whose password was just changed. Raises: parameter-store,
 * publish-not-readable.
 */
async function publishUsername(run: Run): Promise<void> {
  const name = run.config.parameters.username;
  if (name === undefined) return;
  await run.deps.store.putString(name, run.lease.role());
  await confirmReadable(run, "publish-username", name, run.lease.role());
}

/**
 * Step 5a, publish DATABASE_URL (only when configured), the single value holding both
 * the username and the password. Assumes: the database accepts the staged password.
 * Changes: the DATABASE_URL parameter, rendered from the template with URL-encoded values,
 * with its own KMS key (the configured one, or for a new parameter the password parameter's).
 * Raises: parameter-store, publish-not-readable.
 */
async function publishDatabaseUrl(run: Run): Promise<void> {
  const { databaseUrl, databaseUrlTemplate } = run.config.parameters;
  if (databaseUrl === undefined) return;
  const { host, port, database } = run.config.db;
  const url = buildDatabaseUrl(databaseUrlTemplate, {
    username: run.lease.role(),
    password: run.lease.password(),
    host,
    port,
    database,
  });
  // A URL parameter the function creates gets the password parameter's key, not aws/ssm.
  const keys = await run.keys.get();
  await run.deps.store.putSecureString(databaseUrl, url, keys.databaseUrl);
  await confirmReadable(run, "publish-url", databaseUrl, url);
}

/** Pauses between attempts of a publish write, beyond the SDK's own retries of one call. */
export const PUBLISH_RETRY_DELAYS_MS = [1_000, 3_000];

/**
 * `publish` again after a store failure (throttling past the SDK's retries, a dropped
 * connection), while the Lambda has time left; the last failure is raised.
 */
async function retried(run: Run, publish: () => Promise<void>): Promise<void> {
  for (const delay of PUBLISH_RETRY_DELAYS_MS) {
    try {
      return await publish();
    } catch (error) {
      const timeLeft = run.invocation.deadline - run.now() - REFRESH_SAFETY_MARGIN_MS;
      if (!(error instanceof SecretStoreError) || timeLeft < delay) throw error;
      run.logger.warn("publish failed; retrying", {
        step: run.steps.current,
        outcome: "retry",
        inMs: delay,
        error: run.secrets.describe(error),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  await publish();
}

/** SSM reads are not guaranteed to see a write at once; poll briefly before declaring failure. */
async function confirmReadable(run: Run, step: StepName, name: string, value: string) {
  for (const delay of [0, 25, 50, 100, 200, 400, 800]) {
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    if (await run.deps.store.readable(name, value)) return;
  }
  throw run.fail("publish-not-readable", step, { parameter: name });
}
