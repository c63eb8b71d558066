/**
 * Seeding and reading SSM parameters through a given client: shared by the integration
 * tests' view of the emulator (test/integration/support/aws.ts) and the demo and benchmark
 * stack (scripts/lib/stack.ts), which each own their client.
 */
import {
  GetParameterCommand,
  ParameterNotFound,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";

export interface StoredParameter {
  readonly value: string;
  readonly type: string;
  readonly version: number;
  readonly arn: string | undefined;
}

/** Create or overwrite a SecureString, encrypted with `keyId` (default: the account's aws/ssm key). */
export async function putSecureString(
  ssm: SSMClient,
  name: string,
  value: string,
  keyId?: string,
): Promise<void> {
  await ssm.send(
    new PutParameterCommand({
      Name: name,
      Value: value,
      Type: "SecureString",
      Overwrite: true,
      ...(keyId ? { KeyId: keyId } : {}),
    }),
  );
}

/** The decrypted parameter, or undefined when it does not exist. */
export async function readParameter(
  ssm: SSMClient,
  name: string,
): Promise<StoredParameter | undefined> {
  try {
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: name, WithDecryption: true }),
    );
    return {
      value: Parameter?.Value ?? "",
      type: Parameter?.Type ?? "",
      version: Parameter?.Version ?? 0,
      arn: Parameter?.ARN,
    };
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}
