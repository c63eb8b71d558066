/**
 * The KMS keys a run writes with (docs/design.md §Invariants 8): the configured key, or the
 * one the password parameter already uses, so that the pending parameter and a DATABASE_URL
 * parameter the function creates get that key and an overwrite never falls back to aws/ssm.
 * Looked up once per run, in one store call, before the database changes (at stage, or at a
 * recovery's lease takeover): the publish writes that follow the ALTER ROLE then wait for
 * nothing but themselves.
 */
import type { SecretStore } from "./ports";

export interface WriteKeys {
  /** For the password and pending parameters. */
  readonly password: string | undefined;
  /** For DATABASE_URL: its own key, or for a new parameter the password parameter's. */
  readonly databaseUrl: string | undefined;
}

interface KeyedParameters {
  readonly password: string;
  readonly databaseUrl?: string | undefined;
  /** parameter_kms_key_arn; when set, nothing is looked up. */
  readonly kmsKeyId?: string | undefined;
}

export class ParameterKeys {
  #keys: Promise<WriteKeys> | undefined;

  constructor(
    private readonly parameters: KeyedParameters,
    private readonly store: Pick<SecretStore, "keyIdsOf">,
  ) {}

  /** The keys, looked up at the first call; later calls reuse that answer. */
  get(): Promise<WriteKeys> {
    this.#keys ??= this.#lookUp();
    // A failed lookup (throttling) is not kept: a later call, such as a retry, asks again.
    this.#keys.catch(() => (this.#keys = undefined));
    return this.#keys;
  }

  async #lookUp(): Promise<WriteKeys> {
    const { password, databaseUrl, kmsKeyId } = this.parameters;
    if (kmsKeyId !== undefined) return { password: kmsKeyId, databaseUrl: kmsKeyId };
    const names = databaseUrl === undefined ? [password] : [password, databaseUrl];
    const keys = await this.store.keyIdsOf(names);
    const passwordKey = keys.get(password);
    const urlKey = databaseUrl === undefined ? undefined : keys.get(databaseUrl);
    return { password: passwordKey, databaseUrl: urlKey ?? passwordKey };
  }
}
