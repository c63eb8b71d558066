/**
 * `{"action": "dry-run"}`: check everything a rotation needs, change nothing. Run it after
 * `terraform apply` to find a missing permission, a wrong CA bundle or a drifted password
 * before the first scheduled rotation does.
 */
import type { Config } from "./config";
import { buildDatabaseUrl } from "./database-url";
import { redact, describeError } from "./errors";
import { leaseHeld, parsePending } from "./pending";
import { generatePassword } from "./password";
import type { RotationDeps } from "./rotation";

export interface DryRunCheck {
  readonly check: string;
  readonly ok: boolean;
  /** Secret-free explanation. */
  readonly detail: string;
}

export interface DryRunReport {
  readonly outcome: "dry-run";
  readonly ok: boolean;
  readonly checks: readonly DryRunCheck[];
  readonly durationMs: number;
}

export type DryRunDeps = Pick<RotationDeps, "store" | "database" | "ecs" | "logger" | "clock">;

export async function dryRun(config: Config, deps: DryRunDeps): Promise<DryRunReport> {
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
  const { parameters, db, ecs } = config;

  let current: string | undefined;
  await check("password-parameter", async () => {
    current = await deps.store.getSecureString(parameters.password);
    if (current === undefined) throw new Error(`${parameters.password} does not exist`);
    secrets.add(current);
    return `${parameters.password} is readable`;
  });

  await check("pending-parameter", async () => {
    const text = await deps.store.getSecureString(parameters.pending);
    if (text === undefined) return "no rotation in progress";
    secrets.add(text);
    const pending = parsePending(parameters.pending, text, "read");
    secrets.add(pending.password);
    return leaseHeld(pending, now())
      ? `rotation in progress by ${pending.invocationId} until ${pending.leaseExpiresAt}`
      : `an interrupted rotation (staged ${pending.stagedAt}) will be recovered by the next run`;
  });

  await check("current-password-login", async () => {
    if (current === undefined) throw new Error("skipped: no current password");
    const login = await deps.database.canLogin(db.user, current);
    if (login.kind === "accepted")
      return `logged in to ${db.host}:${db.port} as ${login.currentUser}`;
    if (login.kind === "rejected") throw new Error(`credential drift: ${login.detail}`);
    throw new Error(`unreachable: ${login.detail}`);
  });

  await check("password-policy", async () => {
    generatePassword(config.passwordPolicy);
    return `length ${config.passwordPolicy.length}, all four classes available`;
  });

  if (parameters.databaseUrl !== undefined) {
    const target = parameters.databaseUrl;
    await check("database-url-template", async () => {
      const sample = { username: db.user, password: "x", host: db.host, port: db.port };
      buildDatabaseUrl(parameters.databaseUrlTemplate, { ...sample, database: db.database });
      return `renders; published to ${target}`;
    });
  }

  if (ecs.cluster !== undefined && ecs.services.length > 0) {
    const cluster = ecs.cluster;
    await check("ecs-services", async () => {
      const statuses = await deps.ecs.describe(cluster, ecs.services);
      const bad = statuses.filter((s) => s.status !== "ACTIVE");
      if (bad.length > 0) {
        throw new Error(
          `not ACTIVE in ${cluster}: ${bad.map((s) => `${s.service} (${s.status})`).join(", ")}`,
        );
      }
      return `${statuses.length} service(s) ACTIVE in ${cluster}`;
    });
  }

  const report: DryRunReport = {
    outcome: "dry-run",
    ok: checks.every((c) => c.ok),
    checks,
    durationMs: now() - startedAt,
  };
  for (const c of checks) {
    const fields = { step: "dry-run", outcome: c.ok ? "ok" : "failed", check: c.check };
    if (c.ok) deps.logger.info(c.detail, fields);
    else deps.logger.error(c.detail, fields);
  }
  return report;
}
