/**
 * docs/operations.md against the code it describes: every error kind of the catalogue in
 * lambda-src/errors.ts has its runbook (and no stale one remains), the sample events in
 * events/ are the ones the function and the schedule use, the Logs Insights queries use log
 * keys and values the function writes, the metrics and alarms exist, and the cost tables add
 * up for the prod settings of examples/complete.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import * as ts from "typescript";
import { loadConfig } from "../../lambda-src/config";
import { rotationError } from "../../lambda-src/errors";
import { ACTIONS } from "../../lambda-src/event";
import { failureNotice } from "../../lambda-src/notice";
import { PROJECT_ROOT, parseHcl } from "./module-files";

const DOC = readFileSync(join(PROJECT_ROOT, "docs", "operations.md"), "utf8");
const LAMBDA_SRC = join(PROJECT_ROOT, "lambda-src");
const ERRORS_FILE = join(LAMBDA_SRC, "errors.ts");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}
const LAMBDA_TEXT = sourceFiles(LAMBDA_SRC)
  .map((file) => readFileSync(file, "utf8"))
  .join("\n");

/** The section of the document under `## title`, up to the next `## `. */
function section(title: string): string {
  const start = DOC.indexOf(`\n## ${title}\n`);
  expect(start).toBeGreaterThanOrEqual(0);
  const next = DOC.indexOf("\n## ", start + 1);
  return DOC.slice(start, next === -1 ? undefined : next);
}

/**
 * The kinds, as the compiler sees them: `RotationErrorKind` resolved by the type checker, so
 * a union of literals, `(typeof KINDS)[number]` or `keyof typeof KINDS` all work. Without the
 * alias, the string elements of an exported const whose name says KIND.
 */
function errorKindsInCode(): string[] {
  const program = ts.createProgram([ERRORS_FILE], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(ERRORS_FILE);
  if (!source) throw new Error(`${ERRORS_FILE} did not load`);
  const kinds = new Set<string>();
  const fromType = (type: ts.Type) => {
    for (const part of type.isUnion() ? type.types : [type]) {
      if (part.isStringLiteral()) kinds.add(part.value);
    }
  };
  const literals = (node: ts.Node): void => {
    if (ts.isStringLiteral(node)) kinds.add(node.text);
    ts.forEachChild(node, literals);
  };
  ts.forEachChild(source, (node) => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === "RotationErrorKind") {
      fromType(checker.getTypeAtLocation(node.name));
    }
  });
  if (kinds.size === 0) {
    ts.forEachChild(source, (node) => {
      if (!ts.isVariableStatement(node)) return;
      for (const declaration of node.declarationList.declarations) {
        if (/KIND/i.test(declaration.name.getText(source)) && declaration.initializer) {
          literals(declaration.initializer);
        }
      }
    });
  }
  return [...kinds].sort();
}

describe("error kinds", () => {
  const kinds = errorKindsInCode();
  const documented = [...section("Error kinds").matchAll(/^### `([a-z-]+)`$/gm)].map(
    (m) => m[1] as string,
  );

  test("the catalogue is read from lambda-src/errors.ts", () => {
    expect(kinds.length).toBeGreaterThanOrEqual(10);
    expect(kinds).toEqual(expect.arrayContaining(["credential-drift", "unexpected"]));
  });

  test("every kind in the code has a runbook, and no documented kind is gone from the code", () => {
    expect([...documented].sort()).toEqual(kinds);
  });

  test.each(kinds)("%s: what it means, the state it leaves, the steps", (kind) => {
    const start = DOC.indexOf(`### \`${kind}\`\n`);
    const end = DOC.indexOf("\n### ", start + 1);
    const text = DOC.slice(start, end);
    for (const part of ["- **Means**: ", "- **State left**: ", "- **Runbook**"]) {
      expect(text).toContain(part);
    }
  });
});

describe("the notification sample", () => {
  test("has the keys of a notice the function sends, service and count keys included", () => {
    const notices = /```json\n(\{\n {2}"outcome": "failed",[\s\S]*?)```/;
    const sample = notices.exec(section("Event contract"));
    const documented = JSON.parse(sample?.[1] ?? "{}") as Record<string, unknown>;
    const config = loadConfig({
      DB_HOST: "db.example",
      DB_USER: "app_user",
      PASSWORD_PARAMETER: "/orders/db/password",
    });
    const services = [
      { service: "a", cluster: "c", restartMethod: undefined, outcome: "failed" as const },
    ].map((s) => ({ ...s, ok: false, durationMs: 1, detail: "failed" }));
    const error = rotationError("refresh-failed", { step: "refresh" }, { services, problems: [] });
    error.report = { durationMs: 1, steps: [], services };
    const sent = failureNotice(config, error, "id", 0, 1).detail;
    expect(Object.keys(documented).sort()).toEqual(Object.keys(sent).sort());
    expect(Object.keys(documented.serviceCounts as object).sort()).toEqual(
      Object.keys(sent.serviceCounts).sort(),
    );
    // The key that appears only when services are left out is documented too.
    expect(DOC).toContain("`servicesFullList`");
  });
});

describe("sample events", () => {
  const events = Object.fromEntries(
    readdirSync(join(PROJECT_ROOT, "events"))
      .filter((file) => file.endsWith(".json"))
      .map((file) => [
        file,
        JSON.parse(readFileSync(join(PROJECT_ROOT, "events", file), "utf8")) as Record<
          string,
          unknown
        >,
      ]),
  );

  test("one sample per action and a scheduled EventBridge event; the doc links each", () => {
    const actions = [...ACTIONS].sort();
    expect(Object.keys(events).sort()).toEqual(
      [
        ...actions.map((action) => `${action}.json`),
        "scheduled-event.json",
        "secrets-manager-step.json",
        ...["completed", "failed", "in-progress"].map((k) => `ecs-deployment-${k}.json`),
      ].sort(),
    );
    for (const file of Object.keys(events).filter((f) => f.startsWith("ecs-deployment-"))) {
      expect(events[file]).toMatchObject({
        source: "aws.ecs",
        "detail-type": "ECS Deployment State Change",
      });
    }
    for (const action of actions) expect(events[`${action}.json`]).toEqual({ action });
    const scheduled = events["scheduled-event.json"] ?? {};
    expect(scheduled).not.toHaveProperty("action");
    expect(scheduled).toMatchObject({ "detail-type": "Scheduled Event", source: "aws.events" });
    for (const file of Object.keys(events)) expect(DOC).toContain(`(../events/${file})`);
  });

  test("the module's schedules send sample files, and the doc says which", async () => {
    const sent = new Set<string>();
    for (const file of readdirSync(PROJECT_ROOT).filter((f) => f.endsWith(".tf"))) {
      const text = JSON.stringify(await parseHcl(file));
      for (const m of text.matchAll(/events\/([a-z-]+\.json)/g)) sent.add(m[1] as string);
    }
    expect([...sent].sort()).toEqual(["resume.json", "rotate.json"]);
    for (const file of sent) {
      expect(events).toHaveProperty([file]);
      expect(section("Event contract")).toContain(`events/${file}`);
    }
  });
});

describe("Logs Insights queries", () => {
  const queries = [...section("Log queries").matchAll(/```logs-insights\n([\s\S]*?)```/g)].map(
    (m) => m[1] as string,
  );
  const KEYWORDS = new Set(
    "fields filter stats sort limit by as and or not in desc asc count avg max min sum pct latest ispresent coalesce".split(
      " ",
    ),
  );
  // Keys Powertools' logger writes on every line besides ours.
  const POWERTOOLS_KEYS = new Set(["level", "message", "timestamp", "service"]);

  test("there are queries for the last rotations, failures by kind and per-service refresh times", () => {
    expect(queries.length).toBeGreaterThanOrEqual(3);
    expect(queries.some((q) => /stats .* by kind\b/.test(q))).toBe(true);
    expect(queries.some((q) => /by .*ecsService/.test(q))).toBe(true);
    expect(queries.some((q) => /outcome in \["rotated", "recovered"\]/.test(q))).toBe(true);
  });

  test("every field they read is a key the function logs", () => {
    const unknown = new Set<string>();
    for (const query of queries) {
      const aliases = new Set([...query.matchAll(/\bas (\w+)/g)].map((m) => m[1]));
      const code = query.replace(/"[^"]*"/g, '""').replace(/@\w+/g, "");
      for (const [word] of code.matchAll(/\b[A-Za-z_]\w*\b/g)) {
        if (KEYWORDS.has(word) || aliases.has(word) || POWERTOOLS_KEYS.has(word)) continue;
        if (!new RegExp(`\\b${word}\\b`).test(LAMBDA_TEXT)) unknown.add(word);
      }
    }
    expect([...unknown]).toEqual([]);
  });

  test("every value they compare with is a string the function writes", () => {
    const values = new Set(
      queries.flatMap((q) => [...q.matchAll(/"([^"<]+)"/g)].map((m) => m[1] as string)),
    );
    expect(values.size).toBeGreaterThan(5);
    expect([...values].filter((value) => !LAMBDA_TEXT.includes(`"${value}"`))).toEqual([]);
  });
});

describe("metrics and alarms", () => {
  test("every metric the function emits is listed, in the module's default namespace", async () => {
    const block = /METRIC_NAMES = \{([\s\S]*?)\}/.exec(LAMBDA_TEXT)?.[1] ?? "";
    const names = [...block.matchAll(/:\s*"(\w+)"/g)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThanOrEqual(5);
    const table = section("Metrics and alarms");
    for (const name of names) expect(table).toMatch(new RegExp(`^\\| \`${name}\` \\|`, "m"));
    const variables = (await parseHcl("variables.tf")).variable as Record<
      string,
      Array<{ default?: unknown }>
    >;
    expect(table).toContain(`(default \`${String(variables.metrics_namespace?.[0]?.default)}\`)`);
  });

  test("every alarm the module creates is listed by name and metric", async () => {
    const alarms: Array<{ suffix: string; metric: string }> = [];
    const files = await Promise.all(
      readdirSync(PROJECT_ROOT)
        .filter((f) => f.endsWith(".tf"))
        .map((file) => parseHcl(file)),
    );
    // An alarm may name its metric through a map of locals ("${local.rotation_metrics.failed}").
    const locals: Record<string, unknown> = Object.assign(
      {},
      ...files.flatMap((parsed) => (parsed.locals as Array<Record<string, unknown>>) ?? []),
    );
    const resolve = (value: string): string =>
      value.replace(/^\$\{local\.(\w+)\.(\w+)\}$/, (whole, map: string, key: string) => {
        const entry = (locals[map] as Record<string, unknown> | undefined)?.[key];
        return typeof entry === "string" ? entry : whole;
      });
    for (const parsed of files) {
      const resources = parsed.resource as
        | Record<string, Record<string, Array<{ alarm_name: string; metric_name: string }>>>
        | undefined;
      for (const [body] of Object.values(resources?.aws_cloudwatch_metric_alarm ?? {})) {
        const suffix = /^\$\{var\.name\}(-[a-z-]+)$/.exec(body?.alarm_name ?? "")?.[1] ?? "";
        alarms.push({ suffix, metric: resolve(body?.metric_name ?? "") });
      }
    }
    expect(alarms.length).toBeGreaterThanOrEqual(2);
    const table = section("Metrics and alarms");
    for (const { suffix, metric } of alarms) {
      const row = table.split("\n").find((line) => line.startsWith(`| \`<name>${suffix}\``));
      expect({ suffix, row: row ?? "" }).toEqual({ suffix, row: expect.stringContaining(metric) });
    }
  });
});

describe("cost", () => {
  const text = section("Cost");
  const money = (cell: string) => Number(/\$([\d,]+\.\d{2})/.exec(cell)?.[1]?.replace(/,/g, ""));
  /** "3 tasks × 730 h × $0.009875/h (...)": the product of the first number of each factor. */
  const product = (cell: string) =>
    (cell.split("(")[0] ?? "")
      .split("×")
      .map((factor) => Number(/[\d.]+/.exec(factor.replace(/,/g, ""))?.[0]))
      .reduce((a, b) => a * b, 1);
  const rows = (header: string) => {
    const table = text.slice(text.indexOf(header)).split("\n\n")[0] ?? "";
    return table
      .split("\n")
      .slice(2)
      .map((line) => line.split("|").slice(1, -1));
  };

  test("each prod line is its quantity times its price, and the lines add up to the total", () => {
    const lines = rows("| Item (prod) |");
    const total = lines.find((cells) => cells[0]?.includes("**Total**"));
    const items = lines.filter((cells) => cells !== total);
    expect(items.length).toBeGreaterThanOrEqual(6);
    for (const [item = "", formula = "", amount = ""] of items) {
      expect({ item, amount: money(amount) }).toEqual({
        item,
        amount: Math.round(product(formula) * 100) / 100,
      });
    }
    const sum = items.reduce((acc, [, , amount = ""]) => acc + money(amount), 0);
    expect(money(total?.[2] ?? "")).toBeCloseTo(sum, 2);
  });

  test("the variants subtract what they save", () => {
    const total = money(
      rows("| Item (prod) |").find((c) => c[0]?.includes("**Total**"))?.[2] ?? "",
    );
    const variants = rows("| Variant |");
    expect(variants.length).toBeGreaterThanOrEqual(2);
    for (const [, , perMonth = "", saves = ""] of variants) {
      expect(money(perMonth)).toBeCloseTo(total - money(saves), 2);
    }
  });

  test("the quantities are the prod settings of examples/complete and the module's defaults", async () => {
    const prod = await parseHcl(join("examples", "complete", "env", "prod.tfvars"));
    const variables = (await parseHcl("variables.tf")).variable as Record<
      string,
      Array<{ default?: unknown }>
    >;
    const endpoints = (variables.vpc_endpoint_services?.[0]?.default as string[]) ?? [];
    expect(text).toContain(`\`${String(prod.db_instance_class)}\`, Multi-AZ`);
    expect(prod.db_multi_az).toBe(true);
    expect(text).toContain(`${String(prod.db_allocated_storage)} GiB ×`);
    expect(text).toContain(`${String(prod.app_desired_count)} tasks ×`);
    const zones = Number(prod.availability_zone_count);
    expect(text).toContain(`${endpoints.length} services`);
    expect(text).toContain(`in ${zones} AZs`);
    expect(text).toContain(`${endpoints.length * zones} endpoint-AZs ×`);
    expect(prod.create_vpc_endpoints).toBe(true);
    expect(text).toMatch(/region eu-west-1/);
  });
});
