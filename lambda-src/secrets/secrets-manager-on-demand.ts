/**
 * The Secrets Manager store, loaded on demand: its SDK package and adapter
 * (secrets-manager.ts) are imported by the first call to `openSecretsManagerStore`, which the
 * handler makes at init only when SECRET_STORE is secretsmanager. With the default store
 * (SSM) neither is ever evaluated, which keeps them out of every cold start.
 */
import type {
  SecretsManagerClient,
  SecretsManagerClientConfig,
} from "@aws-sdk/client-secrets-manager";
import type { VersionedSecretStore } from "../core/versioned-store";

export interface SecretsManagerStoreOptions {
  /** A client to use instead of building one (tests). */
  readonly client?: SecretsManagerClient;
  readonly clientOptions: SecretsManagerClientConfig;
  /** Applied to the client, e.g. to trace its calls (lambda-src/tracing.ts). */
  readonly capture: <T>(client: T) => T;
}

/** Starts loading the store now; its methods wait for it. */
export function openSecretsManagerStore(options: SecretsManagerStoreOptions): VersionedSecretStore {
  const loading = (async () => {
    const [sdk, adapter] = await Promise.all([
      import("@aws-sdk/client-secrets-manager"),
      import("./secrets-manager"),
    ]);
    const client = options.client ?? new sdk.SecretsManagerClient(options.clientOptions);
    return adapter.createSecretsManagerStore(options.capture(client));
  })();
  // Awaited by the first call, which then sees a failure; until then it is not unhandled.
  loading.catch(() => undefined);
  return {
    describe: async (secretId) => (await loading).describe(secretId),
    getValue: async (secretId, version) => (await loading).getValue(secretId, version),
    putPending: async (secretId, token, value) =>
      (await loading).putPending(secretId, token, value),
    moveStage: async (secretId, stage, move) => (await loading).moveStage(secretId, stage, move),
  };
}
