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

export interface MetricRecord {
  readonly kind: "metrics";
  /** Metric name → value(s), as declared in the record's `_aws.CloudWatchMetrics`. */
  readonly values: Readonly<Record<string, number[]>>;
}

export interface TextRecord {
  readonly kind: "text";
  readonly text: string;
}

export type LambdaOutputRecord = LogRecord | MetricRecord | TextRecord;

interface EmfDirective {
  readonly Metrics?: readonly { readonly Name?: unknown }[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const asString = (value: unknown): string | undefined =>
  typeof value === "string" ? value : undefined;

const toNumbers = (value: unknown): number[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is number => typeof v === "number");

function metricValues(
  record: Record<string, unknown>,
  aws: Record<string, unknown>,
): Record<string, number[]> {
  const directives = Array.isArray(aws.CloudWatchMetrics)
    ? (aws.CloudWatchMetrics as EmfDirective[])
    : [];
  const values: Record<string, number[]> = {};
  for (const directive of directives) {
    for (const metric of directive.Metrics ?? []) {
      const name = asString(metric.Name);
      if (name !== undefined) values[name] = toNumbers(record[name]);
    }
  }
  return values;
}

/** Classifies one line of Lambda output. Lines that are not JSON objects are kept as text. */
export function parseLambdaLine(line: string): LambdaOutputRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: "text", text: line };
  }
  if (!isObject(parsed)) return { kind: "text", text: line };
  if (isObject(parsed._aws)) return { kind: "metrics", values: metricValues(parsed, parsed._aws) };
  const ms = [parsed.ms, parsed.durationMs, parsed.duration_ms].find((v) => typeof v === "number");
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

/** Every value of one metric across a batch of output lines, in order. */
export function metricFromLines(lines: readonly string[], name: string): number[] {
  return lines.flatMap((line) => {
    const record = parseLambdaLine(line);
    return record.kind === "metrics" ? (record.values[name] ?? []) : [];
  });
}
