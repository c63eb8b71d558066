/**
 * The `runtime` choice at plan time: the module accepts the Lambda Node.js runtimes the bundle is
 * built and tested for (nodejs22.x, nodejs24.x) and refuses the ones AWS deprecated with a
 * message that names the setting and the fix, in a module call as a user writes it.
 *
 * `terraform validate` is the check because it evaluates the module's variable rules with the
 * call's literal values but not the provider's own list of runtimes: the mirrored aws provider
 * (5.x) predates nodejs24.x and refuses it at plan (6.19.0 and later accept it), which
 * variables.tf's description tells users.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tools } from "../support/tools";
import { initWorkdir, moduleCall, type Workdir } from "./module-files";

const ACCEPTED = ["nodejs22.x", "nodejs24.x"];
const RETIRED = ["nodejs20.x", "nodejs18.x"];
const OTHER = "python3.12";

/** One module call per runtime, as a user writes it, named after the runtime. */
const callName = (runtime: string) => runtime.replace(/\W/g, "_");

function moduleCalls(dir: string): string {
  return [...ACCEPTED, ...RETIRED, OTHER]
    .map((runtime) =>
      moduleCall(callName(runtime), dir, [
        `  name                    = "orders-${callName(runtime).replace(/_/g, "-")}"`,
        `  runtime                 = ${JSON.stringify(runtime)}`,
      ]),
    )
    .join("\n\n");
}

/** Terraform's diagnostics of one validate, each on one line (wrapped text joined), by module call. */
let diagnostics: Record<string, string[]>;
/** Errors that name no module call (a broken call or configuration): there must be none. */
let unattributed: string[];

beforeAll(() => {
  // One validate for every call: each run of the CLI starts the provider, seconds each.
  const dir = mkdtempSync(join(tmpdir(), "tf-runtime-"));
  let workdir: Workdir | undefined;
  try {
    writeFileSync(join(dir, "main.tf"), `${moduleCalls(dir)}\n`);
    workdir = initWorkdir(dir);
    const { stderr } = workdir.run(["validate", "-no-color"]);
    diagnostics = {};
    unattributed = [];
    for (const block of stderr.split(/\n(?=(?:\u2577\n\u2502 )?Error: )/)) {
      const call = /in module "(\w+)"/.exec(block)?.[1];
      const text = block.replace(/[\u2502\u2577\u2575]/g, " ").replace(/\s+/g, " ");
      if (call) (diagnostics[call] ??= []).push(text);
      else if (text.includes("Error: ")) unattributed.push(text);
    }
  } finally {
    workdir?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.each(ACCEPTED)("runtime = %s is accepted", (runtime) => {
  expect(unattributed).toEqual([]);
  expect(diagnostics[callName(runtime)]).toBeUndefined();
});

test.each(RETIRED)(
  "runtime = %s is refused, naming the setting, the reason and the fix",
  (runtime) => {
    const [error, ...more] = diagnostics[callName(runtime)] ?? [];
    expect(more).toEqual([]);
    expect(error).toContain("Invalid value for variable");
    expect(error).toContain(`runtime = "${runtime}" is no longer accepted`);
    expect(error).toContain("deprecated");
    expect(error).toContain('Set runtime = "nodejs24.x"');
    expect(error).toContain('"nodejs22.x" (the default)');
  },
);

test("any other value is refused with the accepted list", () => {
  const [error, ...more] = diagnostics[callName(OTHER)] ?? [];
  expect(more).toEqual([]);
  expect(error).toContain('runtime must be "nodejs22.x" or "nodejs24.x".');
});

// The deploy tests run the deployed bundle under one Node.js per accepted runtime, the ones
// setup installed from variables.tf's list; a runtime accepted but not installed would go unrun.
test("setup installed a Node.js for exactly the accepted runtimes", () => {
  const majors = Object.keys(tools().lambdaNodeBins).map((major) => `nodejs${major}.x`);
  expect(majors.sort()).toEqual(ACCEPTED);
});
