/**
 * The texts of the error kinds of the Secrets Manager store (SECRET_STORE=secretsmanager):
 * kept apart from errors.ts, whose catalogue calls them. Every text names the secret, the
 * version or token, and the fix; none quotes a secret's value.
 */

type Text = { readonly problem: string; readonly action: string; readonly stateLeft?: string };

const UNCHANGED = "nothing changed";

/** A version of the rotated (or administrative) secret that does not hold what it must. */
export interface SecretMalformedFields {
  secret: string;
  /** A version id or a staging label. */
  version: string;
  /** Which fields are wrong, or which rule the value breaks; never the value. */
  detail: string;
  fix: string;
}

export function secretMalformed(f: SecretMalformedFields): Text {
  return {
    problem: `${f.version} of ${f.secret} is not usable: ${f.detail}`,
    action: `${f.fix}, then re-run (aws secretsmanager rotate-secret)`,
  };
}

/** The step's token does not name a version this step may work on. */
export interface TokenFields {
  secret: string;
  token: string;
  problem: string;
}

export function rotationTokenInvalid(f: TokenFields): Text {
  return {
    problem: `Secrets Manager's token ${f.token} for ${f.secret}: ${f.problem}`,
    action:
      "invoke the function only through Secrets Manager's rotation (aws secretsmanager " +
      "rotate-secret); the resume schedule finishes or discards a pending version left behind",
    stateLeft: UNCHANGED,
  };
}

export interface SecretIdFields {
  got: string;
  configured: string;
}

export function secretIdMismatch(f: SecretIdFields): Text {
  return {
    problem:
      `the event's SecretId ${f.got} is not the secret this function rotates ` +
      `(${f.configured}); it refuses to touch another secret`,
    action:
      "attach this function only to the secret named by the module variable `secret_arn` " +
      "(aws_secretsmanager_secret_rotation); use another module instance for another secret",
    stateLeft: UNCHANGED,
  };
}

export function secretStore(): Text {
  return {
    problem: "Secrets Manager refused the request",
    action:
      "apply the fix above; Secrets Manager retries the step with the same token, or rotate " +
      "again (aws secretsmanager rotate-secret)",
  };
}
