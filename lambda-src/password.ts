/**
 * Password generation from `node:crypto` only. Every character class is present, excluded
 * characters never are, and every valid password is equally likely: characters are drawn
 * uniformly from the allowed alphabet (`randomInt` has no modulo bias) and drafts missing a
 * class are thrown away rather than patched, since patching would favour some positions.
 */
import { randomInt } from "node:crypto";

export const PASSWORD_LENGTH_MIN = 16;
export const PASSWORD_LENGTH_MAX = 128;
/**
 * The least a policy may give: length × log2(alphabet size after the exclusions), in bits.
 * The same rule is a precondition in the module (validations.tf).
 */
export const MIN_ENTROPY_BITS = 128;

/** The four classes a password must contain. Printable ASCII only: SCRAM's SASLprep leaves
 * it unchanged, so every client derives the same key from it. */
export const CHARACTER_CLASSES = {
  lowercase: "abcdefghijklmnopqrstuvwxyz",
  uppercase: "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
  digits: "0123456789",
  punctuation: "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
} as const;

export interface PasswordPolicy {
  readonly length: number;
  /** Characters that must never appear (e.g. ones that break URLs, shells or `.env` files). */
  readonly excludeCharacters: string;
}

/** One thing wrong with a policy, and the setting whose change fixes it. */
export interface PolicyProblem {
  readonly setting: "length" | "excludeCharacters";
  readonly message: string;
}

export class PasswordPolicyError extends Error {
  override readonly name = "PasswordPolicyError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid password policy: ${problems.join("; ")}`);
  }
}

type ClassName = keyof typeof CHARACTER_CLASSES;

function allowedClasses(policy: PasswordPolicy): Record<ClassName, string> {
  const keep = (chars: string) =>
    [...chars].filter((c) => !policy.excludeCharacters.includes(c)).join("");
  return {
    lowercase: keep(CHARACTER_CLASSES.lowercase),
    uppercase: keep(CHARACTER_CLASSES.uppercase),
    digits: keep(CHARACTER_CLASSES.digits),
    punctuation: keep(CHARACTER_CLASSES.punctuation),
  };
}

/** How many characters the policy draws from. */
export function alphabetSize(policy: PasswordPolicy): number {
  return Object.values(allowedClasses(policy)).join("").length;
}

/** length × log2(alphabet size): the entropy of a uniformly drawn password, in bits. */
export function entropyBits(policy: PasswordPolicy): number {
  const size = alphabetSize(policy);
  return size < 2 ? 0 : policy.length * Math.log2(size);
}

/** Everything wrong with `policy`, each with the setting that fixes it; empty when usable. */
export function passwordPolicyProblems(policy: PasswordPolicy): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  const lengthInRange =
    Number.isInteger(policy.length) &&
    policy.length >= PASSWORD_LENGTH_MIN &&
    policy.length <= PASSWORD_LENGTH_MAX;
  if (!lengthInRange) {
    problems.push({
      setting: "length",
      message:
        `length must be a whole number from ${PASSWORD_LENGTH_MIN} to ${PASSWORD_LENGTH_MAX} ` +
        `(got ${policy.length})`,
    });
  }
  for (const [name, chars] of Object.entries(allowedClasses(policy))) {
    if (chars.length === 0) {
      problems.push({
        setting: "excludeCharacters",
        message:
          `the excluded characters remove every ${name} character; every class is required, ` +
          "so allow at least one",
      });
    }
  }
  const bits = entropyBits(policy);
  if (lengthInRange && problems.length === 0 && bits < MIN_ENTROPY_BITS) {
    const size = alphabetSize(policy);
    const needed = Math.ceil(MIN_ENTROPY_BITS / Math.log2(size));
    problems.push({
      setting: "length",
      message:
        `gives ${bits.toFixed(1)} bits of entropy (length ${policy.length} × log2 of ` +
        `${size} allowed characters), under the minimum of ${MIN_ENTROPY_BITS}; set the ` +
        `length to at least ${needed}, or exclude fewer characters`,
    });
  }
  return problems;
}

/** Throws PasswordPolicyError when the policy cannot produce a password. */
export function validatePasswordPolicy(policy: PasswordPolicy): void {
  const problems = passwordPolicyProblems(policy);
  if (problems.length > 0) throw new PasswordPolicyError(problems.map((p) => p.message));
}

/**
 * With the smallest allowed alphabet (4 characters, length 16) a draft misses a class with
 * probability below 0.41, so 10 000 drafts all failing has probability below 1e-3800: the
 * cap exists only to make the loop provably finite.
 */
const MAX_DRAFTS = 10_000;

/** A new password satisfying `policy`; throws PasswordPolicyError for an unusable policy. */
export function generatePassword(policy: PasswordPolicy): string {
  validatePasswordPolicy(policy);
  const classes = Object.values(allowedClasses(policy));
  const alphabet = classes.join("");
  for (let draft = 0; draft < MAX_DRAFTS; draft++) {
    let password = "";
    for (let i = 0; i < policy.length; i++) password += alphabet[randomInt(alphabet.length)];
    if (classes.every((chars) => [...chars].some((c) => password.includes(c)))) return password;
  }
  throw new PasswordPolicyError(["no password satisfying every class was drawn; widen the policy"]);
}
