/**
 * What the steps read from the secret: its labelled versions (which one is AWSCURRENT, the
 * token's, a pending one left by another token), and a version's value checked against the
 * configuration: the username must be a rotated role, `masterarn` the configured
 * administrative secret. Reads change nothing; every value read is remembered for redaction.
 */
import type { SecretDescription, SecretVersion } from "../ports";
import { parseRdsSecret, type RdsSecret } from "./rds-secret";
import type { FourStepRun } from "./run";

export const CURRENT = "AWSCURRENT";
export const PENDING = "AWSPENDING";

export interface SecretView {
  readonly description: SecretDescription;
  readonly current: SecretVersion;
  /** The token's version, if it has a label. */
  readonly token: SecretVersion | undefined;
  /** AWSPENDING on a version that is neither AWSCURRENT nor the token's. */
  readonly stale: SecretVersion | undefined;
}

export const hasStage = (version: SecretVersion | undefined, stage: string) =>
  version?.stages.includes(stage) === true;

/**
 * Describe the secret. Raises rotation-token-invalid when the secret has no AWSCURRENT, and
 * secret-id-mismatch when `secretId` (the event's) is neither its ARN nor its name.
 */
export async function inspect(run: FourStepRun, secretId?: string): Promise<SecretView> {
  const description = await run.deps.versions.describe(run.secretArn);
  if (secretId !== undefined && secretId !== description.arn && secretId !== description.name) {
    throw run.fail("secret-id-mismatch", "read", { got: secretId, configured: description.arn });
  }
  const current = description.versions.find((v) => hasStage(v, CURRENT));
  if (current === undefined) throw tokenProblem(run, "the secret has no AWSCURRENT version");
  const token = description.versions.find((v) => v.versionId === run.token);
  const stale = description.versions.find(
    (v) => hasStage(v, PENDING) && !hasStage(v, CURRENT) && v.versionId !== run.token,
  );
  return { description, current, token, stale };
}

export function tokenProblem(run: FourStepRun, problem: string) {
  return run.fail("rotation-token-invalid", "read", {
    secret: run.secretArn,
    token: run.token ?? "(none)",
    problem,
  });
}

/**
 * The value of `version` (an id or a label) as an RDS-format secret for a rotated role, or
 * undefined when it holds no value. Raises secret-malformed, naming the fields, not values.
 */
export async function readVersion(
  run: FourStepRun,
  version: { readonly versionId?: string; readonly stage?: string },
): Promise<RdsSecret | undefined> {
  const text = await run.deps.versions.getValue(run.secretArn, version);
  if (text === undefined) return undefined;
  run.secrets.remember(text);
  const label = version.stage ?? `version ${version.versionId ?? "?"}`;
  const malformed = (detail: string, fix: string) =>
    run.fail("secret-malformed", run.steps.current, {
      secret: run.secretArn,
      version: label,
      detail,
      fix,
    });
  const secret = parseRdsSecret(text, (detail) =>
    malformed(detail, 'make it RDS-format JSON: {"username", "password", "host", ...}'),
  );
  run.secrets.remember(secret.password);
  const { allowed, masterArn } = run.access;
  if (!allowed.includes(secret.username)) {
    throw malformed(
      `its username ${secret.username} is not a rotated role (${allowed.join(", ")})`,
      `set its username to ${allowed.join(" or ")} (module variable \`db_username\`)`,
    );
  }
  if (masterArn !== undefined && secret.masterarn !== masterArn) {
    throw malformed(
      `its masterarn ${secret.masterarn ?? "(missing)"} is not the configured ${masterArn}`,
      "set masterarn to the module variable `admin_secret_arn`: the function takes " +
        "administrative credentials from no other secret",
    );
  }
  return secret;
}

/** Like readVersion, for a version that must hold a value. */
export async function requireVersion(
  run: FourStepRun,
  version: { readonly versionId?: string; readonly stage?: string },
): Promise<RdsSecret> {
  const secret = await readVersion(run, version);
  if (secret !== undefined) return secret;
  throw run.fail("secret-malformed", run.steps.current, {
    secret: run.secretArn,
    version: version.stage ?? `version ${version.versionId ?? "?"}`,
    detail: "it holds no value",
    fix: "put the role's RDS-format JSON in the secret",
  });
}
