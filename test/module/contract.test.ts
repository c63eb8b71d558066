/**
 * The configuration contract between the Terraform module and the Lambda (docs/design.md,
 * "One contract between HCL and TypeScript"): the environment the HCL writes has exactly the keys
 * lambda-src/config.ts reads, and each key is fed by the Terraform variable CONFIG_KEYS names
 * as its fix. A rename on either side fails here, not in production.
 */
import { CONFIG_KEYS } from "../../lambda-src/config";
import { METRIC_NAMES } from "../../lambda-src/observability";
import { parseHcl } from "./module-files";

type HclBlocks = Record<string, Array<Record<string, unknown>>>;

/** All `locals { ... }` of a file merged into one name -> expression map. */
async function localsOf(file: string): Promise<Record<string, unknown>> {
  const blocks = ((await parseHcl(file)).locals ?? []) as Array<Record<string, unknown>>;
  return Object.assign({}, ...blocks);
}

/**
 * The Terraform variables an expression reads, following local.* references one level at a
 * time; `local.map.key` follows that one entry of a map local (e.g. local.derived_names).
 */
function variablesRead(
  expression: string,
  locals: Record<string, unknown>,
  seen = new Set<string>(),
): Set<string> {
  const found = new Set(
    [...expression.matchAll(/\bvar\.([a-z0-9_]+)/g)].map((m) => m[1] as string),
  );
  for (const [reference, local, key] of expression.matchAll(
    /\blocal\.([a-z0-9_]+)(?:\.([a-z0-9_]+))?/g,
  )) {
    if (!local || seen.has(reference)) continue;
    seen.add(reference);
    const entry = locals[local];
    const body =
      key !== undefined && typeof entry === "object" && entry !== null
        ? (entry as Record<string, unknown>)[key]
        : entry;
    if (typeof body === "string") variablesRead(body, locals, seen).forEach((v) => found.add(v));
  }
  return found;
}

let environment: Record<string, string>;
let locals: Record<string, unknown>;
let declaredVariables: Set<string>;

beforeAll(async () => {
  locals = await localsOf("locals.tf");
  environment = locals.lambda_settings as Record<string, string>;
  const variables = (await parseHcl("variables.tf")).variable as HclBlocks;
  declaredVariables = new Set(Object.keys(variables));
});

test("the function's environment is built from local.lambda_environment", async () => {
  const main = (await parseHcl("main.tf")).resource as Record<string, HclBlocks>;
  const fn = main.aws_lambda_function?.this?.[0] as { environment: Array<{ variables: string }> };
  expect(fn.environment[0]?.variables).toBe("${local.lambda_environment}");
});

test("every key the Lambda reads is set by the module", () => {
  const missing = Object.keys(CONFIG_KEYS).filter((key) => !(key in environment));
  expect(missing).toEqual([]);
});

test("the module sets no key the Lambda does not read", () => {
  const unknown = Object.keys(environment).filter((key) => !(key in CONFIG_KEYS));
  expect(unknown).toEqual([]);
});

test.each(Object.entries(CONFIG_KEYS))("%s is fed by var.%s", (key, variable) => {
  expect(declaredVariables).toContain(variable);
  const expression = environment[key];
  expect(typeof expression).toBe("string");
  expect([...variablesRead(expression as string, locals)]).toContain(variable);
});

test("no key carries a password: none reads a variable that could hold one", () => {
  const everyVariable = new Set(
    Object.values(environment).flatMap((e) => [...variablesRead(e, locals)]),
  );
  expect(
    [...everyVariable].filter((v) =>
      /password(?!_(parameter_name|length|exclude_characters))/.test(v),
    ),
  ).toEqual([]);
});

test("the alarms and the dashboard use the metric names the function emits", async () => {
  const monitoring = await localsOf("monitoring.tf");
  const names = monitoring.rotation_metrics as Record<string, string>;
  expect(Object.values(names).sort()).toEqual(Object.values(METRIC_NAMES).sort());
});
