/**
 * Settings whose default is derived from another one. Each rule lives here once, and the
 * Terraform module derives the same default (locals.tf `pending_parameter_name`).
 */

/** The pending parameter when PENDING_PARAMETER is unset: next to the password parameter. */
export function pendingParameterName(passwordParameter: string, configured?: string): string {
  return configured ?? `${passwordParameter}-pending`;
}

/**
 * The in-flight refresh record when REFRESH_STATE_PARAMETER is unset: one per function
 * (variables.tf `refresh_state_parameter_name`).
 */
export function refreshStateParameterName(serviceName: string, configured?: string): string {
  return configured ?? `/rds-secret-rotation/${serviceName}/refresh`;
}

/** The alternating-users twin when DB_TWIN_USER is unset. */
export function twinUserName(user: string, configured?: string): string {
  return configured ?? `${user}_clone`;
}

/** The SSM parameters the function uses, by the key that names them; unset ones are left out. */
export type NamedParameters = Partial<
  Record<
    | "PASSWORD_PARAMETER"
    | "PENDING_PARAMETER"
    | "DATABASE_URL_PARAMETER"
    | "USERNAME_PARAMETER"
    | "ADMIN_PARAMETER",
    string
  >
>;

/**
 * Each parameter has one job: two keys naming the same parameter would make the function
 * overwrite one value with another (or read its own pending record as the password).
 * Returns, for each key whose parameter an earlier key already names, that earlier key.
 */
export function parameterClashes(
  named: NamedParameters,
): Array<{ readonly key: keyof NamedParameters; readonly clashesWith: keyof NamedParameters }> {
  const firstKeyOf = new Map<string, keyof NamedParameters>();
  const clashes: Array<{ key: keyof NamedParameters; clashesWith: keyof NamedParameters }> = [];
  for (const [key, name] of Object.entries(named) as Array<[keyof NamedParameters, string?]>) {
    if (name === undefined) continue;
    const earlier = firstKeyOf.get(name);
    if (earlier === undefined) firstKeyOf.set(name, key);
    else clashes.push({ key, clashesWith: earlier });
  }
  return clashes;
}
