/**
 * The shape docs/design.md §Layout describes, enforced: no import cycle in lambda-src, the
 * core (core/, strategies/ and what they share) imports no adapter, and every file and every
 * function stays small enough to read in one sitting. Parsed with the TypeScript compiler,
 * so type-only imports count too.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

const root = join(__dirname, "..", "..");
const src = join(root, "lambda-src");
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

/** Adapters: where the outside world is spoken to. Everything else in lambda-src is core. */
const ADAPTERS = [
  "db/",
  "ecs/",
  "secrets/",
  "notify.ts",
  "observability.ts",
  "tracing.ts",
  "handler.ts",
];
/** Client libraries only adapters may use. */
const ADAPTER_PACKAGES = [/^@aws-sdk\//, /^@aws-lambda-powertools\//];

const isAdapter = (file: string) => ADAPTERS.some((a) => file === a || file.startsWith(a));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [relative(src, path)] : [];
  });
}

const files = sourceFiles(src).sort();
const parsed = new Map(
  files.map((file) => {
    const text = readFileSync(join(src, file), "utf8");
    return [file, ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true)] as const;
  }),
);

/** The module specifiers of `file`'s import and export-from declarations. */
function specifiers(file: string): string[] {
  const source = parsed.get(file);
  if (source === undefined) return [];
  return source.statements.flatMap((s) =>
    (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) &&
    s.moduleSpecifier !== undefined &&
    ts.isStringLiteral(s.moduleSpecifier)
      ? [s.moduleSpecifier.text]
      : [],
  );
}

/** A relative specifier resolved to a file of `files`, like Node does for ".ts" sources. */
function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = relative(src, resolve(src, dirname(from), specifier));
  return [`${base}.ts`, join(base, "index.ts")].find((candidate) => parsed.has(candidate));
}

const imports = new Map(
  files.map((file) => [file, specifiers(file).flatMap((s) => resolveLocal(file, s) ?? [])]),
);

function findCycle(): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (file: string): string[] | undefined => {
    if (state.get(file) === "done") return undefined;
    if (state.get(file) === "visiting") return [...path.slice(path.indexOf(file)), file];
    state.set(file, "visiting");
    path.push(file);
    for (const next of imports.get(file) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(file, "done");
    return undefined;
  };
  for (const file of files) {
    const cycle = visit(file);
    if (cycle) return cycle;
  }
  return undefined;
}

function functionLengths(file: string): Array<{ name: string; lines: number }> {
  const source = parsed.get(file);
  if (source === undefined) return [];
  const found: Array<{ name: string; lines: number }> = [];
  const lineOf = (pos: number) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const name = node.name?.getText(source) ?? `<anonymous at line ${lineOf(node.pos) + 2}>`;
      found.push({ name, lines: lineOf(node.end) - lineOf(node.getStart(source)) + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

test("lambda-src has no import cycle", () => {
  expect(findCycle()).toBeUndefined();
});

test.each(files.filter((f) => !isAdapter(f)))("core file %s imports no adapter", (file) => {
  const adapters = (imports.get(file) ?? []).filter(isAdapter);
  const packages = specifiers(file).filter((s) => ADAPTER_PACKAGES.some((p) => p.test(s)));
  expect([...adapters, ...packages]).toEqual([]);
});

test.each(files)(`%s has at most ${MAX_FILE_LINES} lines`, (file) => {
  const lines = readFileSync(join(src, file), "utf8").split("\n").length - 1;
  expect(lines).toBeLessThanOrEqual(MAX_FILE_LINES);
});

// A factory that only returns an object of small functions is judged by those functions.
const isFactoryOfSmallFunctions = (file: string, name: string) =>
  /^create[A-Z]/.test(name) && readFileSync(join(src, file), "utf8").includes(`function ${name}(`);

test.each(files)(`every function of %s has at most ${MAX_FUNCTION_LINES} lines`, (file) => {
  const long = functionLengths(file).filter(
    (f) => f.lines > MAX_FUNCTION_LINES && !isFactoryOfSmallFunctions(file, f.name),
  );
  expect(long).toEqual([]);
});

test("the checks see the whole tree and its imports (guards against a broken walk)", () => {
  expect(files).toEqual(expect.arrayContaining(["handler.ts", "core/protocol.ts"]));
  expect(imports.get("rotation.ts")).toEqual(
    expect.arrayContaining(["core/run.ts", "config/index.ts"]),
  );
});

test("lambda-src uses zod only as zod/mini: classic zod would double its share of the bundle and of cold init", () => {
  const classic = files.filter((file) =>
    specifiers(file).some((s) => s === "zod" || s.startsWith("zod/v4")),
  );
  expect(classic).toEqual([]);
});

test("test/support imports nothing from scripts/: scripts use the harness, not the reverse", () => {
  const dir = join(root, "test", "support");
  const offending = readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .filter((name) => /from "\.\.\/\.\.\/scripts\//.test(readFileSync(join(dir, name), "utf8")));
  expect(offending).toEqual([]);
});
