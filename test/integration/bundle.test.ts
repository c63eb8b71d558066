/**
 * The artifact users deploy: scripts/build.mjs's zip (built by the global setup), unpacked
 * and loaded by plain node (no TypeScript, no node_modules next to it), rotates like the
 * sources do.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { listZipEntries } from "../support/unzip";
import { harness } from "../support/harness";
import { freshRotationSteps } from "../support/steps";
import { lambdaNodeBin, tools } from "../support/tools";
import { runHandlerInChild } from "./support/child";
import { expectRotated } from "./support/expectations";
import { createScenario, snapshot } from "./support/scenario";
import { markServerLog, passwordChanges } from "./support/server-log";

jest.setTimeout(60_000);

const bundle = harness().bundle;

test("the zip holds the handler, index.mjs, the chunks it imports and index.js, all at its root", () => {
  const names = listZipEntries(readFileSync(bundle.zipPath)).map((entry) => entry.name);
  expect(names).toEqual(expect.arrayContaining(["index.js", "index.mjs"]));
  for (const name of names) expect(name).toMatch(/^(index\.js|(index|[\w-]+-[A-Z0-9]{8})\.mjs)$/);
  // Every chunk an import names is in the zip, and every chunk is imported by some file.
  const dir = dirname(bundle.indexPath);
  const imported = new Set<string>();
  for (const name of names) {
    const source = readFileSync(join(dir, name), "utf8");
    for (const [, chunk] of source.matchAll(/["']\.\/([\w-]+\.mjs)["']/g))
      imported.add(chunk ?? "");
  }
  expect([...imported].sort()).toEqual(names.filter((name) => name !== "index.js").sort());
});

test.each([
  ["this process's Node.js", process.execPath],
  ...Object.keys(tools().lambdaNodeBins).map((major) => [
    `the nodejs${major}.x runtime's Node.js`,
    lambdaNodeBin(`nodejs${major}.x`),
  ]),
])(
  "under %s, index.js (which the runtime looks for first) hands over index.mjs's exports, to require and to import()",
  (_runtime, node) => {
    const dir = dirname(bundle.indexPath);
    const url = (name: string) => JSON.stringify(pathToFileURL(join(dir, name)).href);
    // The older runtime client requires index.js, the newer one import()s it.
    const probe = `
      const required = require(${JSON.stringify(join(dir, "index.js"))});
      Promise.all([import(${url("index.js")}), import(${url("index.mjs")})]).then(([imported, esm]) => {
        const names = Object.keys(esm).sort();
        const same = (m) => names.every((name) => m[name] === esm[name]);
        process.stdout.write(JSON.stringify({ names, required: same(required), imported: same(imported) }));
      });
    `;
    const out = execFileSync(node, ["-e", probe], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH,
        AWS_REGION: "us-east-1",
        DB_HOST: "db.example",
        DB_USER: "app_user",
        PASSWORD_PARAMETER: "/app/db/password",
        POWERTOOLS_LOG_LEVEL: "SILENT",
      },
    });
    expect(JSON.parse(out)).toEqual({
      names: ["createHandler", "handler", "lambdaHandler", "parseAction"],
      required: true,
      imported: true,
    });
  },
);

test("the bundle's exported handler rotates the password, publishes it and redeploys the services", async () => {
  const s = await createScenario({ services: 2 });
  const before = await snapshot(s);
  const mark = markServerLog(s.h);

  const run = await runHandlerInChild({ moduleFile: bundle.indexPath, env: s.env });

  expect(run.outcome).toMatchObject({ ok: true, result: { outcome: "rotated" } });
  expect(run.exitCode).toBe(0);
  await expectRotated(s, s.initialPassword, before);
  expect(passwordChanges(s.h.readServerLog(mark), s.role)).toHaveLength(1);

  // Its logs are Powertools JSON lines, each with the step and the outcome; a clean run
  // warns about nothing, and the refresh report names each service.
  const lines = `${run.stdout}${run.stderr}`.split("\n").filter((line) => line.startsWith("{"));
  const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  const stepLogs = logs.filter((log) => "level" in log);
  expect(stepLogs.length).toBeGreaterThan(5);
  for (const log of stepLogs) {
    expect(log).toEqual(
      expect.objectContaining({ step: expect.any(String), outcome: expect.any(String) }),
    );
  }
  expect(stepLogs.filter((log) => log.level !== "INFO")).toEqual([]);
  // The scenario publishes the password and DATABASE_URL, not a username.
  expect(stepLogs.map((log) => log.step)).toEqual(
    expect.arrayContaining(freshRotationSteps(["publish-username"])),
  );
  const refreshLines = stepLogs
    .filter((log) => log.step === "refresh")
    .map((l) => JSON.stringify(l));
  for (const service of s.services) {
    expect(refreshLines.some((line) => line.includes(service))).toBe(true);
  }
});

test("a bad configuration makes the bundle's handler fail with ConfigError, nothing changed", async () => {
  const s = await createScenario();
  const before = await snapshot(s);

  const run = await runHandlerInChild({
    moduleFile: bundle.indexPath,
    env: { ...s.env, DB_TLS_MODE: "disable" },
  });

  expect(run.outcome).toMatchObject({ ok: false, error: { name: "ConfigError" } });
  expect(run.outcome?.ok === false && run.outcome.error.message).toMatch(/DB_TLS_MODE/);
  expect(await snapshot(s)).toEqual(before);
  expect(await s.h.canLogin(s.role, s.initialPassword)).toBe(true);
});

/**
 * Loads the bundle in a fresh node with tracing set to `traced`, invokes it once with an
 * event it rejects before any call, and reports whether the X-Ray SDK had been evaluated
 * (it registers its context namespace on `process.namespaces` when loaded).
 */
function xraySdkLoaded(traced: "true" | "false"): { atInit: boolean; afterInvoke: boolean } {
  const probe = `
    const m = require(${JSON.stringify(bundle.indexPath)});
    const atInit = process.namespaces !== undefined;
    m.handler({ action: "none" }, { awsRequestId: "probe", getRemainingTimeInMillis: () => 1000 })
      .catch(() => undefined)
      .then(() => process.stdout.write("\\n" + JSON.stringify({ atInit, afterInvoke: process.namespaces !== undefined })));
  `;
  const out = execFileSync(process.execPath, ["-e", probe], {
    encoding: "utf8",
    // Outside Lambda, Powertools warns on stderr that there is no segment; only stdout counts.
    stdio: ["ignore", "pipe", "ignore"],
    env: {
      PATH: process.env.PATH,
      AWS_REGION: "us-east-1",
      AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
      AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR",
      DB_HOST: "db.example",
      DB_USER: "app_user",
      PASSWORD_PARAMETER: "/app/db/password",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_TRACE_ENABLED: traced,
    },
  });
  return JSON.parse(out.trim().split("\n").pop() ?? "") as {
    atInit: boolean;
    afterInvoke: boolean;
  };
}

test("without tracing the bundle never evaluates the Tracer; with it, the Tracer's chunk loads before the first run", () => {
  expect(xraySdkLoaded("false")).toEqual({ atInit: false, afterInvoke: false });
  // Init only starts the Tracer's import (a chunk of its own); a run waits for it.
  expect(xraySdkLoaded("true")).toMatchObject({ afterInvoke: true });
});
