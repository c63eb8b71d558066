import { scramSha256Verifier } from "../../../lambda-src/core/scram";

/**
 * Vectors computed independently with Python's hashlib/hmac (RFC 5802 / 7677):
 *   salted = pbkdf2_hmac("sha256", password, salt, iterations, 32)
 *   stored = sha256(hmac(salted, "Client Key")); server = hmac(salted, "Server Key")
 */
describe("scramSha256Verifier", () => {
  it("matches an independently computed verifier (default 4096 iterations)", () => {
    const verifier = scramSha256Verifier("correct-horse-battery-staple!", {
      salt: Buffer.from([...Array(16).keys()]),
    });
    expect(verifier).toBe(
      "SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$xOiMzMmQlmbSIU3D/iN7x8DvvwK2FecnNJ14w0/HOxo=:qdULlpubzV80VhpwLoyP24WzQgABqa+b9o/Tuaq0TUw=",
    );
  });

  it("honours a custom iteration count", () => {
    const verifier = scramSha256Verifier("Ab1!Ab1!Ab1!Ab1!", {
      salt: Buffer.from("pg-salt-16bytes!"),
      iterations: 10000,
    });
    expect(verifier).toBe(
      "SCRAM-SHA-256$10000:cGctc2FsdC0xNmJ5dGVzIQ==$hXExorADNaJrXMqRVs1U/mceU8UYXWSM6Scf0T0BJ7g=:HqVOCDtYdpNhBARS0zbsZcekhX9hDc+VX10h9KEdbRA=",
    );
  });

  it("uses a fresh 16-byte salt each time and never contains the password", () => {
    const password = "Not-In-The-Verifier-42";
    const a = scramSha256Verifier(password);
    const b = scramSha256Verifier(password);
    expect(a).not.toBe(b);
    expect(a).toMatch(
      /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/,
    );
    expect(a).not.toContain(password);
  });

  it.each(["", "with space", "naïve", "tab\there"])(
    "refuses %p: only non-empty printable ASCII is SASLprep-stable",
    (password) => {
      expect(() => scramSha256Verifier(password)).toThrow(RangeError);
    },
  );
});
