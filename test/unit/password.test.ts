import {
  CHARACTER_CLASSES,
  PasswordPolicyError,
  entropyBits,
  generatePassword,
  passwordPolicyProblems,
} from "../../lambda-src/password";
import { DEFAULT_EXCLUDED_CHARACTERS } from "../../lambda-src/config";

const DEFAULT_POLICY = { length: 32, excludeCharacters: DEFAULT_EXCLUDED_CHARACTERS };
const classes = Object.values(CHARACTER_CLASSES);

describe("generatePassword", () => {
  it("has the policy's length, every class, no excluded character, only printable ASCII", () => {
    for (let i = 0; i < 300; i++) {
      const password = generatePassword(DEFAULT_POLICY);
      expect(password).toHaveLength(32);
      expect(password).toMatch(/^[\x21-\x7e]+$/);
      for (const chars of classes) expect([...chars].some((c) => password.includes(c))).toBe(true);
      for (const c of DEFAULT_EXCLUDED_CHARACTERS) expect(password).not.toContain(c);
    }
  });

  it("keeps a class present when the exclusions leave it a single character", () => {
    const onlyBang = CHARACTER_CLASSES.punctuation.replace("!", "");
    for (let i = 0; i < 200; i++) {
      const password = generatePassword({ length: 22, excludeCharacters: onlyBang });
      expect(password).toContain("!");
      expect(password).toMatch(/^[a-zA-Z0-9!]{22}$/);
    }
  });

  it("is unbiased: every allowed character appears about equally often", () => {
    const alphabet = classes.join("").replace(/[/@"'\\:` $#]/g, "");
    const counts = new Map<string, number>();
    const samples = 2000;
    for (let i = 0; i < samples; i++) {
      for (const c of generatePassword(DEFAULT_POLICY)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    const expected = (samples * 32) / alphabet.length;
    expect(counts.size).toBe(alphabet.length);
    // ±20% catches modulo bias (a byte % 85 favours one character by a third) and a
    // "one per class first" scheme, which over-represents the small digit class.
    for (const c of alphabet) {
      expect(counts.get(c)).toBeGreaterThan(expected * 0.8);
      expect(counts.get(c)).toBeLessThan(expected * 1.2);
    }
  });

  it("never repeats (128 bits and more of entropy)", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generatePassword(DEFAULT_POLICY)));
    expect(seen.size).toBe(1000);
  });
});

describe("password policy validation", () => {
  it.each([15, 129, 20.5, Number.NaN])("rejects length %p with the allowed range", (length) => {
    expect(passwordPolicyProblems({ length, excludeCharacters: "" })).toEqual([
      { setting: "length", message: expect.stringContaining("whole number from 16 to 128") },
    ]);
  });

  it("names each class the exclusions empty", () => {
    const problems = passwordPolicyProblems({
      length: 32,
      excludeCharacters: CHARACTER_CLASSES.digits + CHARACTER_CLASSES.uppercase,
    });
    expect(problems).toHaveLength(2);
    expect(problems.every((p) => p.setting === "excludeCharacters")).toBe(true);
    const messages = problems.map((p) => p.message).join("\n");
    expect(messages).toContain("every uppercase character");
    expect(messages).toContain("every digits character");
  });

  it("generatePassword throws PasswordPolicyError for an unusable policy", () => {
    const policy = { length: 32, excludeCharacters: CHARACTER_CLASSES.punctuation };
    expect(() => generatePassword(policy)).toThrow(PasswordPolicyError);
    expect(() => generatePassword(policy)).toThrow(/every punctuation character/);
  });

  it("accepts the default policy: 32 of 85 characters, 205 bits", () => {
    expect(passwordPolicyProblems(DEFAULT_POLICY)).toEqual([]);
    expect(entropyBits(DEFAULT_POLICY)).toBeCloseTo(205.1, 1);
  });

  it("refuses a policy under 128 bits, naming the length that reaches it", () => {
    // 16 characters of all 94: 104.9 bits.
    expect(passwordPolicyProblems({ length: 16, excludeCharacters: "" })).toEqual([
      {
        setting: "length",
        message: expect.stringMatching(/104\.9 bits .* under the minimum of 128; .* at least 20/),
      },
    ]);
    // 32 characters of 10 digits plus one of each other class: 13 characters, 118.4 bits.
    const narrow = {
      length: 32,
      excludeCharacters:
        CHARACTER_CLASSES.lowercase.slice(1) +
        CHARACTER_CLASSES.uppercase.slice(1) +
        CHARACTER_CLASSES.punctuation.slice(1),
    };
    expect(passwordPolicyProblems(narrow)[0]?.message).toMatch(/118\.4 bits/);
    expect(entropyBits({ length: 20, excludeCharacters: "" })).toBeGreaterThanOrEqual(128);
  });

  it("the default exclusions keep passwords safe in URLs, shells and .env files", () => {
    for (const c of ["$", "#", '"', "'", "\\", "`", " ", "/", "@", ":"]) {
      expect(DEFAULT_EXCLUDED_CHARACTERS).toContain(c);
    }
  });
});
