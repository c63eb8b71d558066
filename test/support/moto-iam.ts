/**
 * IAM users for a moto server whose access control is switched on. moto checks every request
 * against IAM only after its "no-auth" allowance is used up (INITIAL_NO_AUTH_ACTION_COUNT,
 * reset over HTTP by POST /moto-api/reset-auth), so users are created first, unsigned, and
 * enforcement is switched on last.
 */

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface IamPolicyStatement {
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
}

export interface IamPolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly IamPolicyStatement[];
}

/**
 * moto routes an unsigned request by the service in the credential scope of the Authorization
 * header; the signature is not checked while enforcement is off.
 */
const UNSIGNED_IAM_AUTH =
  "AWS4-HMAC-SHA256 Credential=setup/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";

async function iamCall(
  endpoint: string,
  action: string,
  params: Record<string, string>,
): Promise<string> {
  const body = new URLSearchParams({ Action: action, Version: "2010-05-08", ...params });
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: UNSIGNED_IAM_AUTH,
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto IAM ${action} failed (${response.status}): ${text}`);
  return text;
}

function xmlValue(xml: string, tag: string): string {
  const match = new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(xml);
  if (!match?.[1]) throw new Error(`moto IAM response has no <${tag}>: ${xml}`);
  return match[1];
}

/** Creates each user with its inline policy and an access key; returns the keys by user name. */
export async function createIamUsers(
  endpoint: string,
  users: Readonly<Record<string, IamPolicyDocument>>,
): Promise<Record<string, AwsCredentials>> {
  const credentials: Record<string, AwsCredentials> = {};
  for (const [userName, policy] of Object.entries(users)) {
    await iamCall(endpoint, "CreateUser", { UserName: userName });
    await iamCall(endpoint, "PutUserPolicy", {
      UserName: userName,
      PolicyName: `${userName}-policy`,
      PolicyDocument: JSON.stringify(policy),
    });
    const key = await iamCall(endpoint, "CreateAccessKey", { UserName: userName });
    credentials[userName] = {
      accessKeyId: xmlValue(key, "AccessKeyId"),
      secretAccessKey: xmlValue(key, "SecretAccessKey"),
    };
  }
  return credentials;
}

/** From now on this moto process checks every request's signature and IAM policy. */
export async function enforceIam(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset-auth`, { method: "POST", body: "0" });
  const text = await response.text();
  if (!response.ok) throw new Error(`moto refused to enforce IAM (${response.status}): ${text}`);
}
