/**
 * The RDS-format JSON a Secrets Manager secret holds for a PostgreSQL login: `username`,
 * `password`, `host`, `port`, `dbname`, `engine`, and with alternating-users `masterarn` (the
 * secret of the administrative role), the shape AWS's own rotation functions use. Other keys
 * the operator keeps in the secret are carried over to each new version.
 * Errors name the bad fields, never the value (../secret-json.ts).
 */
// Namespace import so esbuild can tree-shake zod (see config/schema.ts).
import * as z from "zod/mini";
import type { Config } from "../../config";
import { parseSecretJson } from "../secret-json";

// eslint-disable-next-line no-control-regex -- control characters are exactly what is rejected
const NO_CONTROL = /^[^\x00-\x1f\x7f]+$/;

const rdsSecretSchema = z.looseObject({
  username: z.string().check(z.minLength(1), z.maxLength(63), z.regex(NO_CONTROL)),
  password: z.string().check(z.minLength(1), z.regex(NO_CONTROL)),
  masterarn: z.optional(z.string()),
});

export type RdsSecret = z.output<typeof rdsSecretSchema>;

/** `text` as an RDS-format secret; `malformed(detail)` builds the error for one that is not. */
export function parseRdsSecret(text: string, malformed: (detail: string) => Error): RdsSecret {
  return parseSecretJson(text, rdsSecretSchema, malformed);
}

/**
 * The next version's JSON: the current one's keys, the new username and password, and the
 * connection fields from the function's own configuration (the host it actually rotated on).
 */
export function nextVersion(
  current: RdsSecret,
  change: { readonly username: string; readonly password: string; readonly masterarn?: string },
  db: Config["db"],
): string {
  return JSON.stringify({
    ...current,
    engine: "postgres",
    host: db.host,
    port: db.port,
    dbname: db.database,
    ...change,
  });
}
