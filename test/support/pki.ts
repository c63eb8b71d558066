/**
 * Certificates made with the openssl CLI at test time: nothing secret or expiring is committed,
 * and each run proves TLS verification against a CA no one else has.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";

export interface TestPki {
  /** The CA that signed the server certificate: clients verifying against it succeed. */
  readonly caFile: string;
  /** A CA unrelated to the server: clients verifying against it must fail. */
  readonly otherCaFile: string;
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
}

const openssl = (args: readonly string[]) =>
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });

/** P-256 keys: generating them takes milliseconds where RSA takes a noticeable part of a second. */
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function selfSignedCa(dir: string, name: string): { cert: string; key: string } {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  openssl([
    "req", "-x509", ...EC_KEY, "-keyout", key, "-out", cert, "-days", "2",
    "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]); // prettier-ignore
  return { cert, key };
}

/**
 * Writes into `dir` a CA, a server certificate it signed for DNS:localhost only (so a client
 * that dials 127.0.0.1 with host-name verification must fail), and a second, unrelated CA.
 */
export function createTestPki(dir: string): TestPki {
  const ca = selfSignedCa(dir, "rotation-test-ca");
  const other = selfSignedCa(dir, "unrelated-ca");
  const serverCertFile = join(dir, "server.crt");
  const serverKeyFile = join(dir, "server.key");
  openssl([
    "req", "-x509", ...EC_KEY, "-keyout", serverKeyFile, "-out", serverCertFile, "-days", "2",
    "-CA", ca.cert, "-CAkey", ca.key,
    "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost",
    "-addext", "basicConstraints=critical,CA:FALSE",
    "-addext", "extendedKeyUsage=serverAuth",
  ]); // prettier-ignore
  return { caFile: ca.cert, otherCaFile: other.cert, serverCertFile, serverKeyFile };
}
