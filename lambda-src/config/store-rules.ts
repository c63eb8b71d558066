/**
 * The rules of the secret-store keys (SECRET_STORE, SECRET_ARN, ADMIN_SECRET_ARN) and the keys
 * each store requires; schema.ts applies them with the other cross-key rules.
 */
import type { ConfigKey } from "./keys";

interface StoreEnv {
  readonly SECRET_STORE: "ssm" | "secretsmanager";
  readonly SECRET_ARN?: string | undefined;
  readonly ADMIN_SECRET_ARN?: string | undefined;
  readonly PASSWORD_PARAMETER?: string | undefined;
  readonly ROTATION_STRATEGY: string;
  readonly PENDING_PARAMETER?: string | undefined;
  readonly DATABASE_URL_PARAMETER?: string | undefined;
  readonly USERNAME_PARAMETER?: string | undefined;
  readonly ADMIN_PARAMETER?: string | undefined;
  readonly KMS_KEY_ID?: string | undefined;
}

/** The SSM store's settings, which a Secrets Manager rotation would silently ignore. */
const SSM_ONLY = [
  "PENDING_PARAMETER",
  "DATABASE_URL_PARAMETER",
  "USERNAME_PARAMETER",
  "ADMIN_PARAMETER",
  "KMS_KEY_ID",
] as const;

/** A problem with one key's value; the key is the path. */
export interface Issue {
  readonly path: [ConfigKey];
  readonly message: string;
}

/**
 * The store's keys: SSM needs the password parameter; Secrets Manager needs the secret (and,
 * for alternating-users, the administrative secret its `masterarn` must name) instead.
 */
export function storeIssues(env: StoreEnv): Issue[] {
  if (env.SECRET_STORE === "ssm") {
    if (env.PASSWORD_PARAMETER !== undefined) return [];
    return [{ path: ["PASSWORD_PARAMETER"], message: 'is required when SECRET_STORE is "ssm"' }];
  }
  const issues: Issue[] = SSM_ONLY.filter((key) => env[key] !== undefined).map((key) => ({
    path: [key],
    message:
      'must be unset when SECRET_STORE is "secretsmanager": the secret\'s AWSPENDING version ' +
      "replaces the pending parameter, and only the secret is written",
  }));
  if (env.SECRET_ARN === undefined) {
    issues.push({
      path: ["SECRET_ARN"],
      message:
        'is required when SECRET_STORE is "secretsmanager": the ARN of the RDS-format JSON ' +
        "secret to rotate",
    });
  }
  if (env.ROTATION_STRATEGY === "alternating-users" && env.ADMIN_SECRET_ARN === undefined) {
    issues.push({
      path: ["ADMIN_SECRET_ARN"],
      message:
        'is required when SECRET_STORE is "secretsmanager" and ROTATION_STRATEGY is ' +
        '"alternating-users": the ARN of the secret holding {"username": ..., "password": ...} ' +
        "of a role with CREATEROLE, which the rotated secret's masterarn names",
    });
  }
  if (env.ADMIN_SECRET_ARN !== undefined && env.ADMIN_SECRET_ARN === env.SECRET_ARN) {
    issues.push({ path: ["ADMIN_SECRET_ARN"], message: "must differ from SECRET_ARN" });
  }
  return issues;
}

/** The store's required key when the raw environment lacks it (before formats are checked). */
export function missingStoreKey(env: NodeJS.ProcessEnv): Issue | undefined {
  const blank = (key: ConfigKey) => (env[key] ?? "").trim() === "";
  const secretsManager = env.SECRET_STORE?.trim() === "secretsmanager";
  const store = secretsManager ? "secretsmanager" : "ssm";
  const issue = storeIssues({
    SECRET_STORE: store,
    ROTATION_STRATEGY: "",
    ...(blank("PASSWORD_PARAMETER") ? {} : { PASSWORD_PARAMETER: "set" }),
    ...(blank("SECRET_ARN") ? {} : { SECRET_ARN: "set" }),
  })[0];
  return issue;
}
