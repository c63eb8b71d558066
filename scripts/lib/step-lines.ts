/**
 * Turns the Lambda's JSON log lines into one readable line each, for the demo. Only a fixed
 * set of fields is shown: a log record may carry arrays and objects that read badly inline.
 */
import type { StepName } from "../../lambda-src/core/steps";
import { parseLambdaLine, type LogRecord } from "./lambda-log";

/** What each protocol step does (docs/design.md §Data flow). */
export const STEP_PURPOSE: Readonly<Record<StepName, string>> = {
  read: "read the current password (and any pending one) from SSM",
  recover: "decide how to finish an interrupted rotation",
  stage: "stage a new password as the pending parameter (Overwrite=false: the lock)",
  apply: "ALTER ROLE … PASSWORD '<SCRAM-SHA-256 verifier>'",
  verify: "log in over a fresh verify-full TLS connection with the new password",
  "publish-url": "write the DATABASE_URL parameter (username and password in one value)",
  "publish-password": "write the password parameter",
  "publish-username": "write the username parameter (the role now holding the new password)",
  refresh: "restart each ECS service that reads the secret; wait until each is verified",
  "revoke-previous": "revoke only: set an unseen password on the previously published role",
  finish: "delete the pending parameter and report",
};

/** The same steps inside Secrets Manager's four (docs/design.md §Secrets Manager store). */
export const SECRETS_MANAGER_STEP_PURPOSE: Readonly<Partial<Record<StepName, string>>> = {
  read: "describe the secret's versions; read and check AWSCURRENT (and the token's version)",
  recover: "promote or discard an AWSPENDING left by an earlier token, decided by logins",
  stage: "put a new version under the token, labelled AWSPENDING (createSecret)",
  apply: "ALTER ROLE … PASSWORD '<SCRAM-SHA-256 verifier>' (setSecret)",
  verify: "log in over a fresh verify-full TLS connection with AWSPENDING (testSecret)",
  "publish-password":
    "log in once more, then move AWSCURRENT to the token's version (finishSecret)",
};

// Not `service`: Powertools reserves it for the logger's service name.
const SHOWN_FIELDS = [
  "ecsService",
  "deploymentId",
  "verdict",
  "kind",
  "publishGapMs",
  "durationMs",
  "error",
];

const isStepName = (step: string | undefined): step is StepName =>
  step !== undefined && Object.hasOwn(STEP_PURPOSE, step);

const outcomeMark = (outcome: string | undefined, level: string): string => {
  if (level === "ERROR" || outcome === "failed") return "✘";
  if (level === "WARN") return "!";
  if (outcome === "started") return "…";
  return "✔";
};

function details(record: LogRecord): string {
  const parts: string[] = [];
  for (const key of SHOWN_FIELDS) {
    const value = record.fields[key];
    if (typeof value === "string" || typeof value === "number") parts.push(`${key}=${value}`);
  }
  return parts.length > 0 ? `  (${parts.join(", ")})` : "";
}

/**
 * One display line for a line of Lambda output, or undefined to skip it: "started" records
 * (the "done" record follows with the time) and EMF records (the handler's result carries
 * their numbers).
 */
export function formatLambdaLine(
  line: string,
  purposes: Readonly<Partial<Record<StepName, string>>> = STEP_PURPOSE,
): string | undefined {
  const record = parseLambdaLine(line);
  if (record.kind === "metrics") return undefined;
  if (record.kind === "text") return `    ${record.text}`;
  if (record.outcome === "started") return undefined;
  const step = (record.step ?? "-").padEnd(16);
  const outcome = (record.outcome ?? record.level.toLowerCase()).padEnd(18);
  const ms = record.ms === undefined ? "".padStart(7) : `${Math.round(record.ms)} ms`.padStart(7);
  const purpose =
    record.outcome === "ok" && isStepName(record.step)
      ? (purposes[record.step] ?? STEP_PURPOSE[record.step])
      : undefined;
  const text = purpose ?? record.message;
  return `  ${outcomeMark(record.outcome, record.level)} ${step} ${outcome} ${ms}  ${text}${details(record)}`;
}
