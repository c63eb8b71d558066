/**
 * Parameters that hold JSON with a secret in it (the pending record, the administrative
 * credentials). Errors name the bad fields, never the value: JSON.parse's own message quotes
 * the input, so it is not passed on.
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import type * as z from "zod/mini";

/** `text` as `schema`; `malformed(detail)` builds the error for a value that is not. */
export function parseSecretJson<T>(
  text: string,
  schema: z.ZodMiniType<T>,
  malformed: (detail: string) => Error,
): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed("not JSON");
  }
  // Once or twice per run: zod's compiled fast path would cost more to build than it saves.
  const parsed = schema.safeParse(json, { jitless: true });
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))];
    throw malformed(`invalid or missing field(s): ${fields.join(", ")}`);
  }
  return parsed.data;
}
