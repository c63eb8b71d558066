/**
 * Reads what the Lambda writes to stdout: Powertools JSON log lines (with `step` and
 * `outcome` keys) and CloudWatch embedded-metric-format (EMF) records.
 */

export interface LogRecord {
  readonly kind: "log";
  readonly level: string;
  readonly message: string;
  readonly step: string | undefined;
  readonly outcome: string | undefined;
  readonly ms: number | undefined;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A CloudWatch embedded-metric-format record: the demo leaves these out of its step lines. */
export interface MetricRecord {
  readonly kind: "metrics";
}

export interface TextRecord {
  readonly kind: "text";
  readonly text: string;
}

export type LambdaOutputRecord = LogRecord | MetricRecord | TextRecord;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

/** Classifies one line of Lambda output. Lines that are not JSON objects are kept as text. */
export function parseLambdaLine(line: string): LambdaOutputRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: "text", text: line };
  }
  if (!isObject(parsed)) return { kind: "text", text: line };
  if (isObject(parsed._aws)) return { kind: "metrics" };
  const ms = [parsed.ms, parsed.durationMs].find((v) => typeof v === "number");
  return {
    kind: "log",
    level: asString(parsed.level) ?? "INFO",
    message: asString(parsed.message) ?? "",
    step: asString(parsed.step),
    outcome: asString(parsed.outcome),
    ms: ms as number | undefined,
    fields: parsed,
  };
}
