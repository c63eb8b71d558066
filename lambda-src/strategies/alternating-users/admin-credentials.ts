/**
 * The administrative credentials parameter: a SecureString holding
 * `{"username": "<role with CREATEROLE>", "password": "<its password>"}`, the shape RDS and
 * Secrets Manager use for a master user. The function only reads it.
 * Errors name the parameter and the bad fields, never the value (core/secret-json.ts).
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import { parseSecretJson } from "../../core/secret-json";
import { rotationError } from "../../errors";

export interface AdminCredentials {
  readonly username: string;
  readonly password: string;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
const NO_CONTROL = /^[^\x00-\x1f\x7f]+$/;

const adminSchema = z.object({
  username: z.string().check(z.minLength(1), z.maxLength(63), z.regex(NO_CONTROL)),
  password: z.string().check(z.minLength(1), z.regex(NO_CONTROL)),
});

export function parseAdminCredentials(parameter: string, text: string): AdminCredentials {
  return parseSecretJson(text, adminSchema, (detail) =>
    rotationError("parameter-malformed", { step: "read" }, { about: "admin", parameter, detail }),
  );
}
