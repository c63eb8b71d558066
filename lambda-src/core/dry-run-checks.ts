/**
 * The dry run's checks that every strategy shares, each a small named function over the
 * inputs it declares (core/strategy.ts DryRunInputs). Each returns a secret-free detail or
 * throws an Error whose message names what is wrong and the fix.
 */
import { hasRefreshTargets, type Config } from "../config";
import { buildDatabaseUrl } from "../database-url";
import { generatePassword } from "../password";
import { leaseHeld, readPendingRecord } from "./pending";
import { REFRESH_SAFETY_MARGIN_MS } from "./ports";
import type { DryRunCheck } from "./strategy";

const passwordParameter: DryRunCheck = {
  name: "password-parameter",
  async run({ config, currentPassword }) {
    const name = config.parameters.password;
    if ((await currentPassword()) === undefined) throw new Error(`${name} does not exist`);
    return `${name} is readable`;
  },
};

const parameterKey: DryRunCheck = {
  name: "parameter-key",
  async run({ config, deps }) {
    const { password, kmsKeyId } = config.parameters;
    if (kmsKeyId !== undefined) {
      return `new values are encrypted with ${kmsKeyId} (parameter_kms_key_arn)`;
    }
    const key = await deps.store.keyIdOf(password);
    if (key === undefined) throw new Error(`${password} does not exist`);
    return `new values keep the key of ${password}: ${key}`;
  },
};

const pendingParameter: DryRunCheck = {
  name: "pending-parameter",
  async run({ config, deps, secrets, now }) {
    const name = config.parameters.pending;
    const pending = await readPendingRecord(deps.store, name, "read", secrets);
    if (pending === undefined) return "no rotation in progress";
    return leaseHeld(pending, now())
      ? `rotation in progress by ${pending.invocationId} until ${pending.leaseExpiresAt}`
      : `an interrupted rotation (staged ${pending.stagedAt}) will be recovered by the next run`;
  },
};

const passwordPolicy: DryRunCheck = {
  name: "password-policy",
  async run({ config }) {
    generatePassword(config.passwordPolicy);
    return `length ${config.passwordPolicy.length}, all four classes available`;
  },
};

const publishesUrl = (config: Config) => config.parameters.databaseUrl !== undefined;

const databaseUrlParameter: DryRunCheck = {
  name: "database-url-parameter",
  applies: publishesUrl,
  async run({ config, deps, secrets }) {
    const target = config.parameters.databaseUrl ?? "";
    const value = await deps.store.getSecureString(target);
    if (value === undefined) return `${target} does not exist yet; the first rotation creates it`;
    secrets.remember(value);
    return `${target} is readable`;
  },
};

const databaseUrlTemplate: DryRunCheck = {
  name: "database-url-template",
  applies: publishesUrl,
  async run({ config }) {
    const { db, parameters } = config;
    const sample = { username: db.user, password: "x", host: db.host, port: db.port };
    buildDatabaseUrl(parameters.databaseUrlTemplate, { ...sample, database: db.database });
    return `renders; published to ${parameters.databaseUrl ?? ""}`;
  },
};

const refreshes = (config: Config) => hasRefreshTargets({ ...config.ecs, ...config.refresh });

const ecsServices: DryRunCheck = {
  name: "ecs-services",
  applies: refreshes,
  async run({ config, refreshPlan }) {
    const plan = await refreshPlan();
    const problems = [
      ...plan.services
        .filter((p) => p.problem !== undefined)
        .map((p) => `${p.cluster}/${p.service}: ${p.problem ?? ""}`),
      ...plan.problems,
    ];
    if (problems.length > 0) throw new Error(problems.join("; "));
    const each = plan.services.map(
      (p) => `${p.cluster}/${p.service} (${p.controller ?? "ECS"} → ${p.restartMethod ?? "?"})`,
    );
    const count = `${plan.services.length} service(s) would be refreshed`;
    return `${count}: ${each.join(", ")}${discoveryNote(config, plan.services)}`;
  },
};

function discoveryNote(config: Config, services: ReadonlyArray<{ source: string }>): string {
  const clusters = config.refresh.discoveryClusters;
  if (clusters.length === 0) return "";
  const found = services.filter((p) => p.source === "discovered").length;
  const { password, databaseUrl, username } = config.parameters;
  const read = [password, databaseUrl, username].filter((p) => p !== undefined);
  const where = `in ${clusters.join(", ")} reading ${read.join(" or ")}`;
  return `; discovery found ${found} service(s) ${where}`;
}

const refreshTime: DryRunCheck = {
  name: "refresh-time",
  applies: refreshes,
  async run({ config, remainingMs }) {
    const wait = config.refresh.waitTimeoutMs;
    if (remainingMs === undefined) return `waits up to ${wait / 1000} s per service`;
    const usable = remainingMs - REFRESH_SAFETY_MARGIN_MS;
    if (usable <= 0) {
      throw new Error(
        "the function timeout leaves no time to wait for the services; raise the module " +
          `variable timeout above ${REFRESH_SAFETY_MARGIN_MS / 1000} s`,
      );
    }
    if (usable >= wait) return `waits up to ${wait / 1000} s per service`;
    return (
      `waits up to ${Math.floor(usable / 1000)} s in all (the function timeout caps ` +
      `ecs_wait_timeout_seconds = ${wait / 1000} s)`
    );
  },
};

const notifications: DryRunCheck = {
  name: "notifications",
  applies: ({ notifications: n }) => n.snsTopicArn !== undefined || n.eventBus !== undefined,
  async run({ config }) {
    const { snsTopicArn, eventBus, eventSource } = config.notifications;
    const channels = [
      ...(snsTopicArn ? [`SNS topic ${snsTopicArn}`] : []),
      ...(eventBus ? [`EventBridge bus ${eventBus} (source ${eventSource})`] : []),
    ];
    return `a rotation notifies ${channels.join(" and ")}; a dry run sends nothing`;
  },
};

/** Before the strategy's checks: the parameters a rotation reads. */
export const READ_CHECKS: readonly DryRunCheck[] = [
  passwordParameter,
  parameterKey,
  pendingParameter,
];

/** After the strategy's checks: what a rotation would generate, publish, refresh, notify. */
export const PUBLISH_CHECKS: readonly DryRunCheck[] = [
  passwordPolicy,
  databaseUrlParameter,
  databaseUrlTemplate,
  ecsServices,
  refreshTime,
  notifications,
];
