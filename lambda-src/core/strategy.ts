/**
 * What a rotation strategy is (docs/design.md §Strategies). The protocol (protocol.ts) runs
 * the steps every strategy shares; a strategy supplies the steps in which it differs, the
 * names of the roles for state descriptions, and its own dry-run checks. The two strategies
 * are in ../strategies/, chosen from the configuration by `chooseStrategy`.
 */
import type { Config, StrategyConfig } from "../config";
import type { RotationOutcome } from "./outcome";
import type { PendingRecord } from "./pending";
import type { RefreshPlan, RoleSession } from "./ports";
import type { RotationDeps, Run } from "./run";
import type { SecretLedger } from "./secret-ledger";
import type { RolesInPlay } from "./state-left";

/** What step 1 found: nothing pending (a fresh rotation), or an interrupted rotation. */
export type ReadState<S extends RoleSession, C> =
  | {
      readonly kind: "fresh";
      /** The role whose password this run changes. */
      readonly role: string;
      /** Open with credentials that may change `role`'s password; reused by `apply`. */
      readonly session: S;
    }
  | {
      readonly kind: "interrupted";
      readonly pending: PendingRecord;
      /** What the strategy's `recover` needs from the read (a password, credentials). */
      readonly context: C;
    };

export type RecoveryDecision<S extends RoleSession> =
  { readonly kind: "publish" } | { readonly kind: "reapply"; readonly session: S };

/** The steps in which strategies differ. Each one documents what it assumes, changes, raises. */
export interface StrategySteps<S extends RoleSession, C> {
  /** Step 1. Changes nothing. */
  read(run: Run): Promise<ReadState<S, C>>;
  /** Recovery, after this run took over the lease on `ours`: publish or re-apply? */
  recover(run: Run, ours: PendingRecord, context: C): Promise<RecoveryDecision<S>>;
  /** Step 3: set the staged role's password to the staged one; closes `session`. */
  apply(run: Run, session: S): Promise<void>;
  /** Step 4: a fresh login with the staged password lands as the staged role. */
  verify(run: Run): Promise<void>;
  /**
   * Revoke only, after a completed refresh: give the role that was published before this
   * rotation a password no one sees. Absent when the rotation itself already replaced it.
   */
  revokePrevious?(run: Run): Promise<void>;
}

/** The ports a dry run reads through; it changes nothing. */
export type DryRunDeps = Pick<RotationDeps, "store" | "database" | "roles" | "ecs">;

/** What every dry-run check may read. The two reads are made once and shared. */
export interface DryRunInputs {
  readonly config: Config;
  readonly deps: DryRunDeps;
  readonly secrets: SecretLedger;
  readonly now: () => number;
  /** The invocation's remaining time: a rotation's waits are capped by it. */
  readonly remainingMs: number | undefined;
  /** The password parameter's value; undefined when it does not exist. */
  currentPassword(): Promise<string | undefined>;
  /** The ECS services a rotation would refresh. */
  refreshPlan(): Promise<RefreshPlan>;
}

export interface DryRunCheck {
  readonly name: string;
  /** Whether the check applies to this configuration; it always does when absent. */
  readonly applies?: (config: Config) => boolean;
  /** A secret-free detail, or throws an Error whose message names what is wrong and the fix. */
  readonly run: (inputs: DryRunInputs) => Promise<string>;
}

export interface Strategy {
  readonly name: StrategyConfig["kind"];
  /** Rotate, or finish an interrupted rotation: the protocol over this strategy's steps. */
  rotate(run: Run): Promise<RotationOutcome>;
  /** The roles a state description names, given the staged role when known. */
  roles(stagedRole: string | undefined): RolesInPlay;
  /** This strategy's dry-run checks, run after the shared ones that read the parameters. */
  readonly dryRunChecks: readonly DryRunCheck[];
}
