/**
 * SSM Parameter Store access for the rotation: SecureString reads and writes, the pending
 * parameter created with Overwrite=false (the lock), and read-back confirmation.
 *
 * SDK failures become ParameterStoreError, which names the operation, the parameter and the
 * fix, and never carries a parameter value (AWS validation messages can echo the input).
 */
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { ParameterTypeError, SecretStoreError, type SecretStore } from "../core/ports";
import { errorName, redact } from "../redact";

type Operation =
  "GetParameter" | "GetParameters" | "PutParameter" | "DescribeParameters" | "DeleteParameter";

const FIXES: Record<string, (operation: Operation, name: string) => string> = {
  AccessDeniedException: (operation, name) =>
    `grant the rotation role ssm:${operation} on ${name} (and kms:Decrypt/kms:Encrypt on its key)`,
  ParameterNotFound: (_operation, name) => `create ${name} as a SecureString`,
  ThrottlingException: () => "retry later; SSM is throttling this account",
  TooManyUpdates: () => "retry later; another writer is updating this parameter",
  InvalidKeyId: () =>
    "check the KMS key (module variable `parameter_kms_key_arn`) exists and is enabled",
  ParameterLimitExceeded: () => "delete unused parameters or raise the account's parameter limit",
};

export class ParameterStoreError extends SecretStoreError {
  override readonly name = "ParameterStoreError";
  constructor(
    readonly operation: Operation,
    readonly parameter: string,
    readonly code: string,
    detail: string,
  ) {
    const fix =
      FIXES[code]?.(operation, parameter) ??
      "check the parameter and the role's SSM/KMS permissions";
    super(`SSM ${operation} ${parameter} failed: ${code}: ${detail}; fix: ${fix}`);
  }
}

/** An SDK failure of `operation` on parameter `name`, `value` (if any) redacted. */
export function parameterStoreError(
  error: unknown,
  operation: Operation,
  name: string,
  value?: string,
): ParameterStoreError {
  const message = error instanceof Error ? error.message : String(error);
  return new ParameterStoreError(operation, name, errorName(error), redact(message, [value]));
}

export function createParameterStore(ssm: SSMClient): SecretStore {
  async function get(name: string) {
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      return out.Parameter;
    } catch (error) {
      if (errorName(error) === "ParameterNotFound") return undefined;
      throw parameterStoreError(error, "GetParameter", name);
    }
  }

  async function getSecureString(name: string): Promise<string | undefined> {
    const parameter = await get(name);
    if (parameter === undefined) return undefined;
    if (parameter.Type !== "SecureString") {
      throw new ParameterTypeError(name, parameter.Type ?? "untyped");
    }
    return parameter.Value;
  }

  async function getSecureStrings(names: readonly string[]): Promise<Map<string, string>> {
    let found;
    try {
      const out = await ssm.send(
        new GetParametersCommand({ Names: [...new Set(names)], WithDecryption: true }),
      );
      // Names that do not exist come back in InvalidParameters, not as an error.
      found = new Map((out.Parameters ?? []).map((p) => [p.Name, p]));
    } catch (error) {
      throw parameterStoreError(error, "GetParameters", names.join(", "));
    }
    const values = new Map<string, string>();
    for (const name of names) {
      const parameter = found.get(name);
      if (parameter === undefined) continue;
      if (parameter.Type !== "SecureString") {
        throw new ParameterTypeError(name, parameter.Type ?? "untyped");
      }
      values.set(name, parameter.Value ?? "");
    }
    return values;
  }

  async function keyIdsOf(names: readonly string[]): Promise<Map<string, string>> {
    const keys = new Map<string, string>();
    const wanted = [...new Set(names)];
    // One page answers in practice; SSM may still split a filtered listing across pages.
    let nextToken: string | undefined;
    do {
      try {
        const out = await ssm.send(
          new DescribeParametersCommand({
            ParameterFilters: [{ Key: "Name", Option: "Equals", Values: wanted }],
            ...(nextToken ? { NextToken: nextToken } : {}),
          }),
        );
        for (const p of out.Parameters ?? []) {
          if (p.Name !== undefined && p.KeyId !== undefined) keys.set(p.Name, p.KeyId);
        }
        nextToken = out.NextToken;
      } catch (error) {
        throw parameterStoreError(error, "DescribeParameters", wanted.join(", "));
      }
    } while (nextToken && keys.size < wanted.length);
    return keys;
  }

  const keyIdOf = async (name: string) => (await keyIdsOf([name])).get(name);

  async function put(name: string, value: string, keyId: string | undefined, overwrite: boolean) {
    await ssm.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: "SecureString",
        Overwrite: overwrite,
        ...(keyId ? { KeyId: keyId } : {}),
      }),
    );
  }

  async function putString(name: string, value: string): Promise<void> {
    try {
      await ssm.send(
        new PutParameterCommand({ Name: name, Value: value, Type: "String", Overwrite: true }),
      );
    } catch (error) {
      throw parameterStoreError(error, "PutParameter", name);
    }
  }

  return {
    getSecureString,
    getSecureStrings,
    getValue: async (name) => (await get(name))?.Value,
    keyIdOf,
    keyIdsOf,
    putString,

    async createPending(name, value, kmsKeyId) {
      try {
        await put(name, value, kmsKeyId, false);
        return "created";
      } catch (error) {
        if (errorName(error) === "ParameterAlreadyExists") return "already-exists";
        throw parameterStoreError(error, "PutParameter", name, value);
      }
    },

    async putSecureString(name, value, kmsKeyId) {
      // Overwrite without KeyId would silently re-encrypt with aws/ssm.
      const keyId = kmsKeyId ?? (await keyIdOf(name));
      try {
        await put(name, value, keyId, true);
      } catch (error) {
        throw parameterStoreError(error, "PutParameter", name, value);
      }
    },

    async deleteParameter(name) {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") return;
        throw parameterStoreError(error, "DeleteParameter", name);
      }
    },

    async readable(name, value) {
      // Also for the username parameter, a String: any type compares.
      return (await get(name))?.Value === value;
    },
  };
}
