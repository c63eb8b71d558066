/**
 * What a second `terraform plan` would change right after apply, by resource address and
 * attribute: the tests compare it with the drift the emulator is known to cause.
 */
import type { TerraformResult } from "../support/terraform";

interface PlanJson {
  readonly resource_changes?: readonly {
    readonly address: string;
    readonly change: {
      readonly actions: readonly string[];
      readonly before: Record<string, unknown> | null;
      readonly after: Record<string, unknown> | null;
    };
  }[];
}

export interface Drift {
  readonly actions: readonly string[];
  /** Top-level attributes whose planned value differs from the state's. */
  readonly attributes: readonly string[];
}

/** Drift the emulator causes, not the module: the attributes that differ and why. */
export interface KnownDrift {
  readonly attributes: readonly string[];
  readonly reason: string;
}

/** `terraform plan -out` + `show -json` through `terraform` (which throws on failure). */
export function planDrift(
  terraform: (args: readonly string[]) => TerraformResult,
  extraArgs: readonly string[] = [],
): Record<string, Drift> {
  terraform(["plan", "-input=false", "-no-color", "-out=tfplan", ...extraArgs]);
  const plan = JSON.parse(terraform(["show", "-json", "-no-color", "tfplan"]).stdout) as PlanJson;
  const drift: Record<string, Drift> = {};
  for (const { address, change } of plan.resource_changes ?? []) {
    if (change.actions.every((action) => action === "no-op" || action === "read")) continue;
    const before = change.before ?? {};
    const after = change.after ?? {};
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const attributes = [...keys]
      .filter((key) => JSON.stringify(before[key] ?? null) !== JSON.stringify(after[key] ?? null))
      .sort();
    drift[address] = { actions: change.actions, attributes };
  }
  return drift;
}

/** The drift a plan shows when only `known` differs: in-place updates of those attributes. */
export function expectedDrift(known: Record<string, KnownDrift>): Record<string, Drift> {
  return Object.fromEntries(
    Object.entries(known).map(([address, { attributes }]) => [
      address,
      { actions: ["update"], attributes: [...attributes].sort() },
    ]),
  );
}

/** moto 5.2.5 (test/support/requirements.txt); README "Testing" lists it too. */
export const MOTO_RULE_DESCRIPTION: KnownDrift = {
  attributes: ["description"],
  reason:
    "moto's DescribeSecurityGroupRules leaves out the description of a rule that references " +
    "another security group (rules with a CIDR keep theirs), so the provider sets it again",
};
