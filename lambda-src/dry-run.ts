/**
 * `{"action": "dry-run"}`: check everything a rotation needs, change nothing. Run it after
 * `terraform apply` to find a missing permission, a wrong CA bundle or a drifted password
 * before the first scheduled rotation does.
 *
 * It reads and decrypts the parameters (with the same calls and KMS keys a rotation uses),
 * logs in over TLS with the current password, describes each ECS service (listed, and found by
 * discovery) with the strategy it would get, and reports that plan. Each failed check names
 * what is missing and the fix; ECS, SSM and KMS permission errors name the action and resource.
 */
import { adminLogin, publishedRoleLogin } from "./alternating/dry-run";
import type { Config } from "./config";
import { buildDatabaseUrl } from "./database-url";
import { redact, describeError } from "./errors";
import { leaseHeld, readPendingRecord } from "./pending";
import { generatePassword } from "./password";
import { DEFAULT_SAFETY_MARGIN_MS, hasRefreshTargets, refreshSettings } from "./ecs/refresh";
import type { PlannedService } from "./ecs/types";
import type { RotationDeps } from "./rotation";

export interface DryRunCheck {
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
  readonly strategy: PlannedService["strategy"];
  readonly tasks: string;
  /** Why the rotation could not refresh it; the check fails. */
  readonly problem?: string;
}

export interface DryRunReport {
  readonly outcome: "dry-run";
  readonly ok: boolean;
  readonly checks: readonly DryRunCheck[];
  /** The ECS services a rotation would refresh, and how. */
  readonly plan: readonly PlannedRefresh[];
  readonly durationMs: number;
}

export type DryRunDeps = Pick<
  RotationDeps,
  "store" | "database" | "ecs" | "logger" | "clock" | "roles"
>;

export interface DryRunOptions {
  /** The invocation's remaining time: a rotation's waits are capped by it. */
  readonly remainingMs?: number;
}

export async function dryRun(
  config: Config,
  deps: DryRunDeps,
  options: DryRunOptions = {},
): Promise<DryRunReport> {
  const now = deps.clock ?? Date.now;
  const startedAt = now();
  const secrets = new Set<string>();
  const checks: DryRunCheck[] = [];
  const check = async (name: string, body: () => Promise<string>) => {
    try {
      checks.push({ check: name, ok: true, detail: redact(await body(), secrets) });
    } catch (error) {
      checks.push({ check: name, ok: false, detail: describeError(error, secrets) });
    }
  };
  const { parameters, db, strategy } = config;

  let current: string | undefined;
  await check("password-parameter", async () => {
    current = await deps.store.getSecureString(parameters.password);
    if (current === undefined) throw new Error(`${parameters.password} does not exist`);
    secrets.add(current);
    return `${parameters.password} is readable`;
  });

  await check("parameter-key", async () => {
    if (parameters.kmsKeyId !== undefined) {
      return `new values are encrypted with ${parameters.kmsKeyId} (parameter_kms_key_arn)`;
    }
    const key = await deps.store.keyIdOf(parameters.password);
    if (key === undefined) throw new Error(`${parameters.password} does not exist`);
    return `new values keep the key of ${parameters.password}: ${key}`;
  });

  await check("pending-parameter", async () => {
    const pending = await readPendingRecord(deps.store, parameters.pending, "read", (secret) =>
      secrets.add(secret),
    );
    if (pending === undefined) return "no rotation in progress";
    return leaseHeld(pending, now())
      ? `rotation in progress by ${pending.invocationId} until ${pending.leaseExpiresAt}`
      : `an interrupted rotation (staged ${pending.stagedAt}) will be recovered by the next run`;
  });

  await check("current-password-login", async () => {
    if (current === undefined) throw new Error("skipped: no current password");
    // alternating-users: the password belongs to whichever role is published.
    if (strategy.kind === "alternating-users") {
      return publishedRoleLogin(config, strategy, current, deps);
    }
    const login = await deps.database.canLogin(db.user, current);
    if (login.kind === "accepted")
      return `logged in to ${db.host}:${db.port} as ${login.currentUser}`;
    if (login.kind === "rejected") throw new Error(`credential drift: ${login.detail}`);
    throw new Error(`unreachable: ${login.detail}`);
  });

  if (strategy.kind === "alternating-users") {
    await check("admin-login", () => adminLogin(config, strategy, deps, (s) => secrets.add(s)));
  }

  await check("password-policy", async () => {
    generatePassword(config.passwordPolicy);
    return `length ${config.passwordPolicy.length}, all four classes available`;
  });

  if (parameters.databaseUrl !== undefined) {
    const target = parameters.databaseUrl;
    await check("database-url-parameter", async () => {
      const value = await deps.store.getSecureString(target);
      if (value === undefined) return `${target} does not exist yet; the first rotation creates it`;
      secrets.add(value);
      return `${target} is readable`;
    });
    await check("database-url-template", async () => {
      const sample = { username: db.user, password: "x", host: db.host, port: db.port };
      buildDatabaseUrl(parameters.databaseUrlTemplate, { ...sample, database: db.database });
      return `renders; published to ${target}`;
    });
  }

  let plan: PlannedRefresh[] = [];
  if (hasRefreshTargets(refreshSettings(config))) {
    await check("ecs-services", async () => {
      const planned = await deps.ecs.plan();
      plan = planned.services.map(summarize);
      const bad = plan.filter((p) => p.problem !== undefined);
      const problems = [
        ...bad.map((p) => `${p.cluster}/${p.service}: ${p.problem ?? ""}`),
        ...planned.problems,
      ];
      if (problems.length > 0) throw new Error(problems.join("; "));
      const discovery = config.refresh.discoveryClusters;
      const found = plan.filter((p) => p.source === "discovered").length;
      const searched =
        discovery.length > 0
          ? `; discovery found ${found} service(s) in ${discovery.join(", ")} reading ${refreshSettings(config).rotatedParameters.join(" or ")}`
          : "";
      return `${plan.length} service(s) would be refreshed: ${plan
        .map((p) => `${p.cluster}/${p.service} (${p.controller ?? "ECS"} → ${p.strategy ?? "?"})`)
        .join(", ")}${searched}`;
    });
    await check("refresh-time", async () => {
      const wait = config.refresh.waitTimeoutMs;
      if (options.remainingMs === undefined) return `waits up to ${wait / 1000} s per service`;
      const usable = options.remainingMs - DEFAULT_SAFETY_MARGIN_MS;
      if (usable <= 0) {
        throw new Error(
          `the function timeout leaves no time to wait for the services; raise the module variable timeout above ${DEFAULT_SAFETY_MARGIN_MS / 1000} s`,
        );
      }
      return usable < wait
        ? `waits up to ${Math.floor(usable / 1000)} s in all (the function timeout caps ecs_wait_timeout_seconds = ${wait / 1000} s)`
        : `waits up to ${wait / 1000} s per service`;
    });
  }

  const { snsTopicArn, eventBus, eventSource } = config.notifications;
  if (snsTopicArn !== undefined || eventBus !== undefined) {
    await check("notifications", async () => {
      const channels = [
        ...(snsTopicArn ? [`SNS topic ${snsTopicArn}`] : []),
        ...(eventBus ? [`EventBridge bus ${eventBus} (source ${eventSource})`] : []),
      ];
      return `a rotation notifies ${channels.join(" and ")}; a dry run sends nothing`;
    });
  }

  const report: DryRunReport = {
    outcome: "dry-run",
    ok: checks.every((c) => c.ok),
    checks,
    plan,
    durationMs: now() - startedAt,
  };
  for (const c of checks) {
    const fields = { step: "dry-run", outcome: c.ok ? "ok" : "failed", check: c.check };
    if (c.ok) deps.logger.info(c.detail, fields);
    else deps.logger.error(c.detail, fields);
  }
  return report;
}

function summarize(p: PlannedService): PlannedRefresh {
  return {
    service: p.service,
    cluster: p.cluster,
    source: p.source,
    controller: p.controller,
    strategy: p.strategy,
    tasks: `${p.runningCount}/${p.desiredCount} running`,
    ...(p.problem !== undefined ? { problem: p.problem } : {}),
  };
}
