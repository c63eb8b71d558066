/**
 * Secrets Manager access for the four rotation steps (SECRET_STORE=secretsmanager): the
 * secret's labelled versions, a version's value, the pending version put under Secrets
 * Manager's token, and the moves of the staging labels.
 *
 * SDK failures become VersionedSecretStoreError, which names the operation, the secret and
 * the fix, and never carries a secret value (validation messages can echo the input).
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import {
  VersionedSecretStoreError,
  type SecretVersion,
  type VersionedSecretStore,
} from "../core/ports";
import { errorName, redact } from "../redact";

type Operation =
  | "DescribeSecret"
  | "ListSecretVersionIds"
  | "GetSecretValue"
  | "PutSecretValue"
  | "UpdateSecretVersionStage";

const FIXES: Record<string, (operation: Operation, secret: string) => string> = {
  AccessDeniedException: (operation, secret) =>
    `grant the rotation role secretsmanager:${operation} on ${secret} (and kms:Decrypt/` +
    "kms:GenerateDataKey on its key through Secrets Manager)",
  ResourceNotFoundException: (_operation, secret) =>
    `check that ${secret} exists (module variable \`secret_arn\`)`,
  DecryptionFailure: () => "check the secret's KMS key policy allows the rotation role",
  KMSAccessDeniedException: () => "check the secret's KMS key policy allows the rotation role",
  ThrottlingException: () => "retry later; Secrets Manager is throttling this account",
  ResourceExistsException: () =>
    "a version with this token already holds another value; start a new rotation " +
    "(aws secretsmanager rotate-secret)",
  InvalidRequestException: () => "check that the secret is not scheduled for deletion",
};

function wrap(
  error: unknown,
  operation: Operation,
  secret: string,
  value?: string,
): VersionedSecretStoreError {
  const code = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  const fix =
    FIXES[code]?.(operation, secret) ??
    "check the secret and the role's Secrets Manager/KMS rights";
  const detail = redact(message, [value]);
  return new VersionedSecretStoreError(
    `Secrets Manager ${operation} ${secret} failed: ${code}: ${detail}; fix: ${fix}`,
  );
}

export function createSecretsManagerStore(client: SecretsManagerClient): VersionedSecretStore {
  async function listVersions(secretId: string): Promise<SecretVersion[]> {
    const versions: SecretVersion[] = [];
    let NextToken: string | undefined;
    do {
      const out = await client
        .send(new ListSecretVersionIdsCommand({ SecretId: secretId, NextToken }))
        .catch((error: unknown) => {
          throw wrap(error, "ListSecretVersionIds", secretId);
        });
      for (const v of out.Versions ?? []) {
        if (!v.VersionId || (v.VersionStages ?? []).length === 0) continue;
        versions.push({
          versionId: v.VersionId,
          stages: v.VersionStages ?? [],
          createdAt: v.CreatedDate?.getTime(),
        });
      }
      NextToken = out.NextToken;
    } while (NextToken);
    return versions;
  }

  return {
    async describe(secretId) {
      let out;
      try {
        out = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      } catch (error) {
        throw wrap(error, "DescribeSecret", secretId);
      }
      return {
        arn: out.ARN ?? secretId,
        name: out.Name ?? secretId,
        rotationEnabled: out.RotationEnabled === true,
        versions: await listVersions(secretId),
      };
    },

    async getValue(secretId, version) {
      try {
        const out = await client.send(
          new GetSecretValueCommand({
            SecretId: secretId,
            VersionId: version.versionId,
            VersionStage: version.stage,
          }),
        );
        return out.SecretString;
      } catch (error) {
        // No such version or label, or a version Secrets Manager created without a value yet.
        if (errorName(error) === "ResourceNotFoundException") return undefined;
        throw wrap(error, "GetSecretValue", secretId);
      }
    },

    async putPending(secretId, token, value) {
      try {
        await client.send(
          new PutSecretValueCommand({
            SecretId: secretId,
            ClientRequestToken: token,
            SecretString: value,
            VersionStages: ["AWSPENDING"],
          }),
        );
      } catch (error) {
        throw wrap(error, "PutSecretValue", secretId, value);
      }
    },

    async moveStage(secretId, stage, move) {
      try {
        await client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: stage,
            MoveToVersionId: move.to,
            RemoveFromVersionId: move.from,
          }),
        );
      } catch (error) {
        throw wrap(error, "UpdateSecretVersionStage", secretId);
      }
    },
  };
}
