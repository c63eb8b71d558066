/**
 * `{"action": "dry-run"}`: check everything a rotation needs, change nothing. Run it after
 * `terraform apply` to find a missing permission, a wrong CA bundle or a drifted password
 * before the first scheduled rotation does.
 *
 * The checks (core/dry-run-checks.ts, then the strategy's own) read and decrypt the
 * parameters with the same calls and KMS keys a rotation uses, log in over TLS with the
 * current password, describe each ECS service (listed, and found by discovery) with the
 * restart method it would get, and report that plan. Each failed check names what is missing
 * and the fix; ECS, SSM and KMS permission errors name the action and resource.
 */
import type { Config } from "./config";
import { PUBLISH_CHECKS, READ_CHECKS } from "./core/dry-run-checks";
import type { PlannedService, RefreshPlan, RotationLogger } from "./core/ports";
import { SecretLedger } from "./core/secret-ledger";
import type { DryRunCheck, DryRunDeps, DryRunInputs } from "./core/strategy";
import { chooseStrategy } from "./strategies/choose";

export interface DryRunCheckResult {
  readonly check: string;
  readonly ok: boolean;
  /** Secret-free explanation. */
  readonly detail: string;
}

/** One ECS service as a rotation would refresh it. */
export interface PlannedRefresh {
  readonly service: string;
  readonly cluster: string;
  readonly source: PlannedService["source"];
  readonly controller: string | undefined;
  readonly restartMethod: PlannedService["restartMethod"];
  readonly tasks: string;
  /** Why the rotation could not refresh it; the check fails. */
  readonly problem?: string;
}

export interface DryRunReport {
  readonly outcome: "dry-run";
  readonly ok: boolean;
  readonly checks: readonly DryRunCheckResult[];
  /** The ECS services a rotation would refresh, and how. */
  readonly plan: readonly PlannedRefresh[];
  readonly durationMs: number;
}

export interface DryRunOptions {
  /** The invocation's remaining time: a rotation's waits are capped by it. */
  readonly remainingMs?: number;
  /**
   * Checks that replace the SSM reads and the strategy's logins: the Secrets Manager store's
   * (core/four-step/dry-run.ts), with SECRET_STORE=secretsmanager.
   */
  readonly storeChecks?: readonly DryRunCheck[];
}

export type { DryRunDeps } from "./core/strategy";

/** Memoize one read, so that checks sharing it make the call once. */
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
}

export async function dryRun(
  config: Config,
  deps: DryRunDeps & { readonly logger: RotationLogger; readonly clock?: () => number },
  options: DryRunOptions = {},
): Promise<DryRunReport> {
  const now = deps.clock ?? Date.now;
  const startedAt = now();
  const secrets = new SecretLedger();
  const refreshPlan = once(() => deps.ecs.plan());
  const inputs: DryRunInputs = {
    config,
    deps,
    secrets,
    now,
    remainingMs: options.remainingMs,
    currentPassword: once(async () => {
      const value = await deps.store.getSecureString(config.parameters.password);
      if (value !== undefined) secrets.remember(value);
      return value;
    }),
    refreshPlan,
  };
  const reads = options.storeChecks ?? [...READ_CHECKS, ...chooseStrategy(config).dryRunChecks];
  const checks = [...reads, ...PUBLISH_CHECKS];
  const results: DryRunCheckResult[] = [];
  for (const check of checks.filter((c) => c.applies?.(config) ?? true)) {
    results.push(await runCheck(check, inputs));
  }
  for (const c of results) {
    const fields = { step: "dry-run", outcome: c.ok ? "ok" : "failed", check: c.check };
    if (c.ok) deps.logger.info(c.detail, fields);
    else deps.logger.error(c.detail, fields);
  }
  const planned = results.some((c) => c.check === "ecs-services");
  return {
    outcome: "dry-run",
    ok: results.every((c) => c.ok),
    checks: results,
    plan: planned ? await plannedRefreshes(refreshPlan) : [],
    durationMs: now() - startedAt,
  };
}

async function runCheck(check: DryRunCheck, inputs: DryRunInputs): Promise<DryRunCheckResult> {
  try {
    const detail = inputs.secrets.sanitize(await check.run(inputs));
    return { check: check.name, ok: true, detail };
  } catch (error) {
    return { check: check.name, ok: false, detail: inputs.secrets.describe(error) };
  }
}

/** The plan as reported; empty when the ECS check could not read it. */
async function plannedRefreshes(plan: () => Promise<RefreshPlan>): Promise<PlannedRefresh[]> {
  try {
    return (await plan()).services.map(summarize);
  } catch {
    return [];
  }
}

function summarize(p: PlannedService): PlannedRefresh {
  return {
    service: p.service,
    cluster: p.cluster,
    source: p.source,
    controller: p.controller,
    restartMethod: p.restartMethod,
    tasks: `${p.runningCount}/${p.desiredCount} running`,
    ...(p.problem !== undefined ? { problem: p.problem } : {}),
  };
}
