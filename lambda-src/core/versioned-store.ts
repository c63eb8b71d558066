/**
 * The port of the Secrets Manager store (SECRET_STORE=secretsmanager), re-exported by
 * ports.ts: a secret with versions and staging labels, which Secrets Manager's four rotation
 * steps move (docs/design.md §Secrets Manager store). secrets/secrets-manager.ts implements it.
 */

/** One version of a secret and its staging labels (AWSCURRENT, AWSPENDING, AWSPREVIOUS...). */
export interface SecretVersion {
  readonly versionId: string;
  readonly stages: readonly string[];
  /** Epoch ms; undefined when the service does not say. */
  readonly createdAt: number | undefined;
}

export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** The versions that carry at least one staging label. */
  readonly versions: readonly SecretVersion[];
}

export interface VersionedSecretStore {
  /** DescribeSecret and ListSecretVersionIds: the secret's names and labelled versions. */
  describe(secretId: string): Promise<SecretDescription>;
  /**
   * The value of the version `versionId` (and/or labelled `stage`); undefined when there is no
   * such version or it holds no value yet (Secrets Manager created it without one).
   */
  getValue(
    secretId: string,
    version: { readonly versionId?: string; readonly stage?: string },
  ): Promise<string | undefined>;
  /**
   * PutSecretValue under `token` with the label AWSPENDING. Idempotent under the token: the
   * same token and value again is a no-op for Secrets Manager.
   */
  putPending(secretId: string, token: string, value: string): Promise<void>;
  /**
   * UpdateSecretVersionStage: attach `stage` to `to` and/or detach it from `from` (Secrets
   * Manager moves AWSPREVIOUS itself when AWSCURRENT moves).
   */
  moveStage(
    secretId: string,
    stage: string,
    move: { readonly to?: string; readonly from?: string },
  ): Promise<void>;
}

/** Secrets Manager refused a call; the message names the call, the secret and the fix. */
export class VersionedSecretStoreError extends Error {
  override readonly name = "VersionedSecretStoreError";
}
