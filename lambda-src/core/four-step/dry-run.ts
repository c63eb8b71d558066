/**
 * `{"action":"dry-run"}` with SECRET_STORE=secretsmanager: the checks that replace the SSM
 * store's reads (../dry-run-checks.ts READ_CHECKS and the strategies' logins). They read the
 * secret with the calls a rotation makes and log in with AWSCURRENT (and, alternating-users,
 * with the administrative secret), changing nothing.
 */
import type { Config } from "../../config";
import { parseAdminCredentials } from "../../strategies/alternating-users/admin-credentials";
import type { DryRunCheck } from "../strategy";
import { roleAccess } from "./roles";
import { FourStepRun, type FourStepDeps } from "./run";
import { CURRENT, inspect, requireVersion } from "./secret-view";

export function secretsManagerDryRunChecks(config: Config, deps: FourStepDeps): DryRunCheck[] {
  const store = config.secretStore;
  if (store.kind !== "secretsmanager") return [];
  const run = () =>
    new FourStepRun(
      config,
      deps,
      { invocationId: "dry-run", deadline: Date.now() },
      store,
      roleAccess(config),
      undefined,
    );
  const checks: DryRunCheck[] = [
    {
      name: "secret",
      async run() {
        const view = await inspect(run());
        const problems = [
          ...(view.description.rotationEnabled
            ? []
            : ["rotation is not enabled on it (aws_secretsmanager_secret_rotation)"]),
          ...(view.stale
            ? [
                `AWSPENDING sits on version ${view.stale.versionId}, so Secrets Manager refuses ` +
                  'new rotations until {"action":"resume"} recovers it',
              ]
            : []),
        ];
        if (problems.length > 0) throw new Error(`${store.secretArn}: ${problems.join("; ")}`);
        return `${view.description.name}: AWSCURRENT is version ${view.current.versionId}`;
      },
    },
    {
      name: "current-secret-login",
      async run() {
        const r = run();
        const current = await requireVersion(r, { stage: CURRENT });
        const login = await r.access.login(r, current);
        if (login.kind !== "accepted") {
          const detail = "detail" in login ? login.detail : "";
          throw new Error(
            r.secrets.sanitize(`AWSCURRENT does not log in: ${login.kind}: ${detail}`),
          );
        }
        return `logged in to ${config.db.host}:${config.db.port} as ${current.username}`;
      },
    },
  ];
  if (store.adminSecretArn !== undefined && config.strategy.kind === "alternating-users") {
    checks.push(adminLogin(deps, store.adminSecretArn));
  }
  return checks;
}

function adminLogin(deps: FourStepDeps, arn: string): DryRunCheck {
  return {
    name: "admin-secret-login",
    async run({ secrets }) {
      const text = await deps.versions.getValue(arn, { stage: CURRENT });
      if (text === undefined) throw new Error(`${arn} has no AWSCURRENT value`);
      secrets.remember(text);
      const admin = parseAdminCredentials(arn, text);
      secrets.remember(admin.password);
      const login = await deps.roles.identify(admin.username, admin.password);
      if (login.kind !== "accepted") throw new Error(`${login.kind}: ${login.detail}`);
      return `logged in as ${login.sessionUser} with the credentials in ${arn}`;
    },
  };
}
