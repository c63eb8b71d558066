#!/usr/bin/env node
/**
 * Writes the module's reference (Requirements, Providers, Resources, Inputs, Outputs) into
 * README.md between <!-- BEGIN_TF_DOCS --> and <!-- END_TF_DOCS -->, in terraform-docs'
 * "markdown table" format and with the settings in .terraform-docs.yml, so that a contributor
 * who runs terraform-docs (or its pre-commit hook) gets the same bytes. terraform-docs itself
 * cannot be installed everywhere this project is tested; this script can.
 *
 * Followed from terraform-docs v0.22+ (format/templates/markdown_table_*.tmpl,
 * template/sanitizer.go, terraform/load.go): the `| ---- |` separator rows, `<a name>`
 * anchors, the underscore and pipe escaping outside code spans, JSON defaults (multi-line ones
 * as <pre> with <br/>), the registry links and sort orders. Not followed: header and footer
 * sections, lock-file versions, module calls (the module has none): a config that asks for
 * them is refused with the setting to change, rather than silently rendered differently.
 *
 *   node scripts/readme-tables.mjs            rewrite README.md (npm run docs)
 *   node scripts/readme-tables.mjs --check    exit 1 if README.md is out of date
 *   --readme <file>                           another README (tests)
 *   --module-dir <dir>                        another module folder and its .terraform-docs.yml (tests)
 */
import { parse } from "@cdktf/hcl2json";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

export const BEGIN = "<!-- BEGIN_TF_DOCS -->";
export const END = "<!-- END_TF_DOCS -->";
export const CONFIG_FILE = ".terraform-docs.yml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// ---------------------------------------------------------------------------------------------
// Configuration: the subset of .terraform-docs.yml this script renders, everything else refused.

const TABLE_FORMATTERS = ["markdown", "markdown table", "markdown tbl", "md", "md table", "md tbl"];
const SECTIONS = [
  "data-sources",
  "footer",
  "header",
  "inputs",
  "modules",
  "outputs",
  "providers",
  "requirements",
  "resources",
];
const DEFAULT_SETTINGS = {
  anchor: true,
  default: true,
  escape: true,
  "hide-empty": false,
  html: true,
  indent: 2,
  lockfile: true,
  required: true,
  type: true,
};

class ConfigError extends Error {}

/** The settings that shape the output, from `file`; throws ConfigError naming what to change. */
export function loadConfig(file) {
  const raw = parseYaml(readFileSync(file, "utf8")) ?? {};
  const refuse = (setting, why) => {
    throw new ConfigError(`${file}: ${setting}: ${why}`);
  };
  if (!TABLE_FORMATTERS.includes(raw.formatter)) {
    refuse(
      "formatter",
      `this script renders "markdown table" only, not ${JSON.stringify(raw.formatter)}`,
    );
  }
  const sections = raw.sections ?? {};
  for (const name of [...(sections.show ?? []), ...(sections.hide ?? [])]) {
    if (!SECTIONS.includes(name)) refuse("sections", `unknown section "${name}"`);
  }
  const shown = new Set(
    sections.show?.length
      ? sections.show
      : SECTIONS.filter((name) => !(sections.hide ?? []).includes(name)),
  );
  for (const name of ["header", "footer"]) {
    if (shown.has(name))
      refuse("sections", `hide "${name}" (or leave it out of show): not rendered here`);
  }
  const output = raw.output ?? {};
  if ((output.mode ?? "inject") !== "inject") refuse("output.mode", 'must be "inject"');
  const template = output.template ?? `${BEGIN}\n{{ .Content }}\n${END}`;
  if (
    !template.includes("{{ .Content }}") ||
    !template.startsWith(BEGIN) ||
    !template.trimEnd().endsWith(END)
  ) {
    refuse("output.template", `must start with ${BEGIN}, hold {{ .Content }} and end with ${END}`);
  }
  const sort = { enabled: true, by: "name", ...raw.sort };
  if (!["name", "required"].includes(sort.by)) refuse("sort.by", 'must be "name" or "required"');
  const settings = { ...DEFAULT_SETTINGS, ...raw.settings };
  if (settings.lockfile) {
    refuse(
      "settings.lockfile",
      "must be false: versions come from required_providers, not a lock file",
    );
  }
  if (settings["read-comments"] !== false) {
    refuse("settings.read-comments", "must be false: descriptions come from `description` only");
  }
  if (raw["output-values"]?.enabled) refuse("output-values.enabled", "must be false");
  return {
    file: output.file ?? "README.md",
    template: template.trimEnd(),
    sections: shown,
    sort,
    settings,
  };
}

// ---------------------------------------------------------------------------------------------
// Markdown escaping, as terraform-docs' template/sanitizer.go does it.

// Go's regexp \s and \w are ASCII-only; JavaScript's \s is not, so spell them out.
const SPACE = "\\t\\n\\f\\r ";

/**
 * Split `text` on `marker` and map the plain and the code parts. Mirrors processSegments:
 * an empty part is skipped without flipping between plain and code.
 */
function segments(text, marker, plain, code) {
  let inCode = text.startsWith(marker);
  const parts = text.split(marker);
  let out = "";
  parts.forEach((part, i) => {
    if (part.length === 0) return;
    const first = i === 0 || parts[i - 1].trim() === "";
    const last = i === parts.length - 1 || parts[i + 1].trim() === "";
    out += inCode ? code(part, first, last) : plain(part);
    inCode = !inCode;
  });
  return out;
}

/** `_` becomes `\_` outside code spans, except leading list-like runs and `_emphasis_` pairs. */
function escapeUnderscores(line) {
  const keep = "\u2021\u2021\u2021DONTESCAPE\u2021\u2021\u2021";
  const protect = (pattern, groups) => {
    const matches = [...line.matchAll(new RegExp(pattern, "gd"))];
    for (const match of matches.reverse()) {
      for (const group of groups) {
        const [start, end] = match.indices[group];
        line = line.slice(0, start) + match[group].replaceAll("_", keep) + line.slice(end);
      }
    }
  };
  protect(`^([${SPACE}]*)(_+)([${SPACE}]+)(.*)`, [2]);
  protect(`([${SPACE}]+)(_+)([^${SPACE}_])(.*)([^${SPACE}_])(_+)([${SPACE}]+)`, [6, 2]);
  return line.replaceAll("_", "\\_").replaceAll(keep, "_");
}

function escapeCharacters(text, escape) {
  let result = segments(
    text,
    "`",
    (part) => part.replaceAll("|", "\\|"),
    (part) => `\`${part}\``,
  );
  if (escape) {
    result = segments(
      result,
      "`",
      (part) => part.split("\n").map(escapeUnderscores).join("\n"),
      (part) => `\`${part}\``,
    );
  }
  return result;
}

function convertMultiLineText(text, html) {
  let s = text.trim();
  s = s.replace(new RegExp(`([^${SPACE}]*)(\\r?\\n)([${SPACE}]*)(\\w+)`, "g"), "$1  $2$3$4");
  s = s.replaceAll("    \n", "  \n").replaceAll("  \n\n", "\n\n").replaceAll("\n  \n", "\n\n");
  const linebreak = html ? "<br/>" : " ";
  return s.replaceAll("  \n", linebreak).replaceAll("\n", linebreak);
}

/** Backslashes that escaping put inside a URL are taken out again. */
function normalizeUrls(text, escape) {
  if (!escape) return text;
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s<>"`]+/gi, (url) => url.replaceAll("\\", ""));
}

/** A table cell: terraform-docs' SanitizeMarkdownTable. */
export function tableCell(text, { escape = true, html = true } = {}) {
  if (text === "") return "n/a";
  return segments(
    text,
    "```",
    (part) => normalizeUrls(convertMultiLineText(escapeCharacters(part, escape), html), escape),
    (part, first, last) => {
      const body = part.trim();
      if (html) return `<pre>${body.replaceAll("\n", "<br/>").replaceAll("\r", "")}</pre>`;
      const oneLine = body
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => line.replace(/(\s*)=(\s*)/g, " = ").trimStart())
        .join(" ");
      return `${first ? "" : " "}\`\`\`${oneLine}\`\`\`${last ? "" : " "}`;
    },
  );
}

/** Inline code for one line, a fenced block (a <pre> in the table) for several. */
const fenced = (text) => (text.includes("\n") ? `\n\n\`\`\`\n${text}\n\`\`\`\n` : `\`${text}\``);

function anchor(prefix, name, settings) {
  const shown = settings.escape ? name.replaceAll("_", "\\_") : name;
  if (!settings.anchor) return shown;
  const target = `${prefix}_${name}`;
  const link = settings.escape ? target.replaceAll("_", "\\_") : target;
  return `<a name="${target}"></a> [${shown}](#${link})`;
}

/** Go's encoding/json with two-space indent: objects' keys sorted. */
function goJson(value) {
  const sortKeys = (v) =>
    Array.isArray(v)
      ? v.map(sortKeys)
      : v !== null && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sortKeys(v[k])]),
          )
        : v;
  return JSON.stringify(sortKeys(value), null, 2);
}

// ---------------------------------------------------------------------------------------------
// The module, read the way terraform-docs reads it (terraform-config-inspect).

/** "${list(string)}" -> "list(string)": hcl2json wraps every expression; the inner text is the source. */
const unwrap = (expression) => expression.replace(/^\$\{([\s\S]*)\}$/, "$1");

/** Go's sort.Strings order (bytes), not the locale's: `_` sorts before lower-case letters. */
const byBytes = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

async function readModule(moduleDir) {
  const files = readdirSync(moduleDir)
    .filter((file) => file.endsWith(".tf"))
    .sort();
  const module = {
    requiredCore: [],
    requiredProviders: {},
    variables: [],
    outputs: [],
    resources: [],
  };
  for (const file of files) {
    const path = join(moduleDir, file);
    const parsed = await parse(path, readFileSync(path, "utf8"));
    for (const block of parsed.terraform ?? []) {
      if (block.required_version) module.requiredCore.push(block.required_version);
      for (const providers of block.required_providers ?? []) {
        for (const [name, spec] of Object.entries(providers)) {
          const requirement = typeof spec === "string" ? { version: spec } : spec;
          module.requiredProviders[name] = {
            source: requirement.source ?? `hashicorp/${name}`,
            constraints: requirement.version ? [requirement.version] : [],
          };
        }
      }
    }
    for (const [name, [body]] of Object.entries(parsed.variable ?? {})) {
      module.variables.push({ name, ...body });
    }
    for (const [name, [body]] of Object.entries(parsed.output ?? {})) {
      module.outputs.push({ name, ...body });
    }
    for (const [mode, kind] of [
      ["managed", "resource"],
      ["data", "data"],
    ]) {
      for (const [type, byName] of Object.entries(parsed[kind] ?? {})) {
        for (const [name, [body]] of Object.entries(byName)) {
          const explicit = body.provider ? unwrap(body.provider).split(".") : [];
          module.resources.push({
            mode,
            type,
            name,
            provider: explicit[0] ?? type.split("_")[0],
            alias: explicit[1] ?? "",
          });
        }
      }
    }
  }
  return module;
}

/** The version put in registry links: an exact pin, else "latest" (terraform/load.go). */
function linkVersion(constraints) {
  if (constraints.length === 0) return "latest";
  const parts = constraints[constraints.length - 1].split(" ");
  if (parts.length === 1) {
    if (/^[0-9]/.test(parts[0])) return parts[0];
    return parts[0].startsWith("=") ? parts[0].slice(1) : "latest";
  }
  return parts.length === 2 && parts[0] === "=" ? parts[1] : "latest";
}

// ---------------------------------------------------------------------------------------------
// Rendering, section by section, as the markdown_table_*.tmpl templates lay them out.

function renderSections(module, config) {
  const { settings, sections, sort } = config;
  const heading = (title) => `${"#".repeat(settings.indent)} ${title}`;
  const cell = (text) => tableCell(text, settings);
  const table = (title, header, separator, rows, empty) =>
    rows.length === 0
      ? settings["hide-empty"]
        ? ""
        : `${heading(title)}\n\nNo ${empty}.`
      : [heading(title), "", header, separator, ...rows].join("\n");
  const out = [];

  if (sections.has("requirements")) {
    const requirements = [
      ...module.requiredCore.map((version) => ["terraform", version]),
      ...Object.keys(module.requiredProviders)
        .sort(byBytes)
        .flatMap((name) =>
          module.requiredProviders[name].constraints.map((version) => [name, version]),
        ),
    ];
    out.push(
      table(
        "Requirements",
        "| Name | Version |",
        "| ---- | ------- |",
        requirements.map(
          ([name, version]) => `| ${anchor("requirement", name, settings)} | ${version || "n/a"} |`,
        ),
        "requirements",
      ),
    );
  }

  if (sections.has("providers")) {
    const seen = new Map();
    for (const r of module.resources) {
      const fullName = r.alias ? `${r.provider}.${r.alias}` : r.provider;
      const constraints = module.requiredProviders[r.provider]?.constraints ?? [];
      seen.set(`${r.provider}.${r.alias}`, { fullName, version: constraints.join(" ") });
    }
    const providers = [...seen.entries()].sort(([a], [b]) => byBytes(a, b)).map(([, p]) => p);
    out.push(
      table(
        "Providers",
        "| Name | Version |",
        "| ---- | ------- |",
        providers.map(
          (p) => `| ${anchor("provider", p.fullName, settings)} | ${p.version || "n/a"} |`,
        ),
        "providers",
      ),
    );
  }

  if (sections.has("modules")) {
    out.push(
      table("Modules", "| Name | Source | Version |", "| ---- | ------ | ------- |", [], "modules"),
    );
  }

  if (sections.has("resources") || sections.has("data-sources")) {
    const visible = module.resources
      .filter((r) =>
        r.mode === "managed" ? sections.has("resources") : sections.has("data-sources"),
      )
      .map((r) => {
        const requirement = module.requiredProviders[r.provider];
        const source = requirement?.source ?? `hashicorp/${r.provider}`;
        const shortType = r.type.startsWith(`${r.provider}_`)
          ? r.type.slice(r.provider.length + 1)
          : r.type;
        const spec = `${r.provider}_${shortType}.${r.name}`;
        const kind = r.mode === "managed" ? "resources" : "data-sources";
        const url =
          source.split("/").length - 1 > 1
            ? ""
            : `https://registry.terraform.io/providers/${source}/${linkVersion(requirement?.constraints ?? [])}/docs/${kind}/${shortType}`;
        return { ...r, spec, url };
      })
      .sort((a, b) =>
        a.mode === b.mode ? byBytes(a.spec, b.spec) : a.mode === "managed" ? -1 : 1,
      );
    out.push(
      table(
        "Resources",
        "| Name | Type |",
        "| ---- | ---- |",
        visible.map(
          (r) =>
            `| ${r.url ? `[${r.spec}](${r.url})` : r.spec} | ${r.mode === "managed" ? "resource" : "data source"} |`,
        ),
        "resources",
      ),
    );
  }

  if (sections.has("inputs")) {
    const inputs = module.variables.map((v) => ({ ...v, required: !("default" in v) }));
    const byName = (a, b) => byBytes(a.name, b.name);
    if (sort.enabled && sort.by === "required") {
      inputs.sort((a, b) => Number(!a.required) - Number(!b.required) || byName(a, b));
    } else if (sort.enabled) inputs.sort(byName);
    const columns = [
      ["Type", "----", settings.type, (v) => cell(fenced(unwrap(v.type ?? "any")))],
      [
        "Default",
        "-------",
        settings.default,
        (v) => cell(v.required ? "n/a" : fenced(goJson(v.default))),
      ],
      ["Required", ":------:", settings.required, (v) => (v.required ? "yes" : "no")],
    ].filter(([, , on]) => on);
    out.push(
      table(
        "Inputs",
        `| Name | Description |${columns.map(([title]) => ` ${title} |`).join("")}`,
        `| ---- | ----------- |${columns.map(([, rule]) => ` ${rule} |`).join("")}`,
        inputs.map(
          (v) =>
            `| ${anchor("input", v.name, settings)} | ${cell(v.description ?? "")} |` +
            columns.map(([, , , render]) => ` ${render(v)} |`).join(""),
        ),
        "inputs",
      ),
    );
  }

  if (sections.has("outputs")) {
    const outputs = [...module.outputs];
    if (sort.enabled) outputs.sort((a, b) => byBytes(a.name, b.name));
    out.push(
      table(
        "Outputs",
        "| Name | Description |",
        "| ---- | ----------- |",
        outputs.map(
          (o) => `| ${anchor("output", o.name, settings)} | ${cell(o.description ?? "")} |`,
        ),
        "outputs",
      ),
    );
  }
  return out.filter((section) => section !== "").join("\n\n");
}

/** The generated block, markers included. */
export async function renderTables(moduleDir = root) {
  const config = loadConfig(join(moduleDir, CONFIG_FILE));
  const content = renderSections(await readModule(moduleDir), config);
  return config.template.replace("{{ .Content }}", content);
}

/** README text with the block between the markers replaced; appended when there are none. */
export function spliceTables(readme, tables) {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin === -1 && end === -1) return `${readme.trimEnd()}\n\n${tables}\n`;
  if (begin === -1 || end === -1 || end < begin) {
    throw new Error(`README has a broken ${BEGIN} ... ${END} pair: fix the markers by hand`);
  }
  return readme.slice(0, begin) + tables + readme.slice(end + END.length);
}

function argument(argv, name) {
  const at = argv.indexOf(name);
  return at === -1 ? undefined : resolve(argv[at + 1]);
}

async function main(argv) {
  const check = argv.includes("--check");
  const moduleDir = argument(argv, "--module-dir") ?? root;
  const readmePath =
    argument(argv, "--readme") ?? join(moduleDir, loadConfig(join(moduleDir, CONFIG_FILE)).file);
  const current = existsSync(readmePath)
    ? readFileSync(readmePath, "utf8")
    : "# terraform-aws-rds-secret-rotation\n";
  const wanted = spliceTables(current, await renderTables(moduleDir));

  if (check) {
    if (wanted !== current) {
      console.error(
        `${readmePath}: the terraform-docs block differs from the module's *.tf files; run \`npm run docs\``,
      );
      process.exit(1);
    }
    console.log(`${readmePath}: terraform-docs block is current`);
    return;
  }
  if (wanted !== current) writeFileSync(readmePath, wanted);
  console.log(`${readmePath}: terraform-docs block written`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
