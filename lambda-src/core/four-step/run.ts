/**
 * One invocation of the Secrets Manager store (SECRET_STORE=secretsmanager): one of Secrets
 * Manager's four steps for a token, or the resume sweep. A Run (../run.ts) whose state
 * descriptions speak of the secret's staging labels instead of SSM parameters, plus what the
 * steps share: the secret, the token, the versioned store and the strategy's roles.
 */
import type { Config, SecretsManagerConfig } from "../../config";
import type { LoginFailure, VersionedSecretStore } from "../ports";
import { Run, type Invocation, type RotationDeps } from "../run";
import type { StepName } from "../steps";
import type { RdsSecret } from "./rds-secret";

/** Secrets Manager's steps, in the order it invokes them for one token. */
export const SECRETS_MANAGER_STEPS = [
  "createSecret",
  "setSecret",
  "testSecret",
  "finishSecret",
] as const;
export type SecretsManagerStep = (typeof SECRETS_MANAGER_STEPS)[number];

export interface FourStepDeps extends RotationDeps {
  readonly versions: VersionedSecretStore;
}

/** A login judged: accepted as the expected identity, or why not. */
export type Judged =
  | { readonly kind: "accepted" }
  | LoginFailure
  | { readonly kind: "wrong-identity"; readonly detail: string };

export interface RoleAccess {
  /** The roles the secret's `username` may name. */
  readonly allowed: readonly string[];
  /** The `masterarn` every version must carry; undefined for single-user. */
  readonly masterArn: string | undefined;
  /** The role the next version is for, given the current version's. */
  next(currentUser: string): string;
  /** Log in as `secret.username` with `secret.password`: does it land as expected? */
  login(run: FourStepRun, secret: RdsSecret): Promise<Judged>;
  /** Set `pending.username`'s password to `pending.password` (a SCRAM verifier is sent). */
  apply(run: FourStepRun, pending: RdsSecret, current: RdsSecret): Promise<void>;
}

export class FourStepRun extends Run {
  constructor(
    config: Config,
    override readonly deps: FourStepDeps,
    invocation: Invocation,
    readonly store: SecretsManagerConfig,
    readonly access: RoleAccess,
    /** Secrets Manager's ClientRequestToken: the version this rotation stages; none for resume. */
    readonly token: string | undefined,
  ) {
    super(config, deps, invocation, () => ({ staged: config.db.user, published: undefined }));
  }

  get secretArn(): string {
    return this.store.secretArn;
  }

  /** What is where after a failure in `step` (docs/design.md §Secrets Manager store). */
  override stateLeft(step: StepName | "finished"): string {
    const secret = this.secretArn;
    const version = this.token === undefined ? "the pending version" : `version ${this.token}`;
    const retry =
      "Secrets Manager retries the step with the same token; the resume schedule finishes or " +
      "discards a pending version it leaves";
    switch (step) {
      case "read":
      case "stage":
        return `nothing changed in the database; AWSCURRENT of ${secret} is unchanged`;
      case "recover":
        return (
          `nothing changed in the database; AWSCURRENT of ${secret} accepted before, and the ` +
          "pending version is kept until a recovery decides"
        );
      case "apply":
      case "verify":
        return (
          `AWSPENDING (${version}) holds the staged password; the role's password may or may ` +
          `not have changed to it; AWSCURRENT still holds the previous one; ${retry}`
        );
      case "publish-password":
        return (
          `AWSCURRENT may or may not have moved to ${version}; the database accepts the ` +
          `password of ${version}; ${retry}`
        );
      default:
        return (
          `AWSCURRENT of ${secret} holds the new password; ECS tasks started before hold the ` +
          "previous one until they restart"
        );
    }
  }
}
