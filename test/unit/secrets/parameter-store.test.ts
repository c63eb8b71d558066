import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  type ParameterType,
  SSMClient,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { ParameterTypeError } from "../../../lambda-src/core/ports";
import {
  ParameterStoreError,
  createParameterStore,
} from "../../../lambda-src/secrets/parameter-store";

const ssm = mockClient(SSMClient);
const store = createParameterStore(new SSMClient({ region: "eu-west-1" }));
const meta = { $metadata: {} };

function serviceError(name: string, message: string) {
  return new SSMServiceException({ name, message, $fault: "client", ...meta });
}

beforeEach(() => ssm.reset());

describe("getSecureString", () => {
  it("reads with decryption", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "v", Type: "SecureString" } });
    expect(await store.getSecureString("/p")).toBe("v");
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input).toEqual({
      Name: "/p",
      WithDecryption: true,
    });
  });

  it.each<ParameterType>(["String", "StringList"])(
    "refuses a %s parameter: a secret stored unencrypted is never rotated",
    async (type) => {
      ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "v", Type: type } });
      const error = await store.getSecureString("/p").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ParameterTypeError);
      expect(error).toMatchObject({ parameter: "/p", type });
      expect(String(error)).not.toContain('"v"');
    },
  );

  it("getValue reads a parameter that holds no secret whatever its type", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "app", Type: "String" } });
    expect(await store.getValue("/username")).toBe("app");
  });

  it("returns undefined for a parameter that does not exist", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "nope", ...meta }));
    expect(await store.getSecureString("/p")).toBeUndefined();
  });

  it("wraps access denied into a typed error naming the operation, parameter and fix", async () => {
    ssm.on(GetParameterCommand).rejects(serviceError("AccessDeniedException", "not authorized"));
    const error = await store.getSecureString("/p").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParameterStoreError);
    expect(error).toMatchObject({
      operation: "GetParameter",
      parameter: "/p",
      code: "AccessDeniedException",
    });
    expect((error as Error).message).toContain("grant the rotation role ssm:GetParameter on /p");
  });
});

describe("getSecureStrings", () => {
  it("reads several parameters in one decrypted call; a missing one is absent", async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: "/p", Value: "v", Type: "SecureString" }],
      InvalidParameters: ["/p-pending"],
    });
    const found = await store.getSecureStrings(["/p", "/p-pending"]);
    expect([...found]).toEqual([["/p", "v"]]);
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1);
    expect(ssm.commandCalls(GetParametersCommand)[0]?.args[0].input).toEqual({
      Names: ["/p", "/p-pending"],
      WithDecryption: true,
    });
  });

  it("refuses a parameter that is not a SecureString, naming it and not its value", async () => {
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: "/p", Value: "v", Type: "SecureString" },
        { Name: "/p-pending", Value: "plain", Type: "String" },
      ],
    });
    const error = await store.getSecureStrings(["/p", "/p-pending"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParameterTypeError);
    expect(error).toMatchObject({ parameter: "/p-pending", type: "String" });
    expect(String(error)).not.toContain("plain");
  });

  it("wraps access denied naming GetParameters, every parameter and the fix", async () => {
    ssm.on(GetParametersCommand).rejects(serviceError("AccessDeniedException", "not authorized"));
    const error = await store.getSecureStrings(["/p", "/q"]).catch((e: unknown) => e);
    expect(error).toMatchObject({ operation: "GetParameters", code: "AccessDeniedException" });
    expect((error as Error).message).toContain(
      "grant the rotation role ssm:GetParameters on /p, /q",
    );
  });
});

describe("keyIdsOf", () => {
  it("looks several keys up in one DescribeParameters call; a missing parameter is absent", async () => {
    ssm.on(DescribeParametersCommand).resolves({
      Parameters: [{ Name: "/p", KeyId: "alias/app" }],
    });
    const keys = await store.keyIdsOf(["/p", "/url"]);
    expect([...keys]).toEqual([["/p", "alias/app"]]);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]?.args[0].input).toEqual({
      ParameterFilters: [{ Key: "Name", Option: "Equals", Values: ["/p", "/url"] }],
    });
  });

  it("follows NextToken while keys are missing (SSM may page a filtered listing)", async () => {
    ssm
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: [], NextToken: "t" })
      .resolvesOnce({ Parameters: [{ Name: "/p", KeyId: "alias/app" }] });
    expect((await store.keyIdsOf(["/p"])).get("/p")).toBe("alias/app");
    expect(ssm.commandCalls(DescribeParametersCommand)).toHaveLength(2);
  });
});

describe("createPending", () => {
  it("creates a SecureString with Overwrite=false and the given key", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    expect(await store.createPending("/p-pending", "{}", "alias/k")).toBe("created");
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toEqual({
      Name: "/p-pending",
      Value: "{}",
      Type: "SecureString",
      Overwrite: false,
      KeyId: "alias/k",
    });
  });

  it("reports a lost race as already-exists, not an error", async () => {
    ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: "exists", ...meta }));
    expect(await store.createPending("/p-pending", "{}", undefined)).toBe("already-exists");
  });

  it("never lets an SDK message echo the value it was writing", async () => {
    const value = '{"password":"Echoed-Secret-1!"}';
    ssm
      .on(PutParameterCommand)
      .rejects(serviceError("ValidationException", `Value '${value}' at 'value' failed`));
    const error = await store
      .createPending("/p-pending", value, undefined)
      .catch((e: unknown) => e);
    expect((error as Error).message).not.toContain("Echoed-Secret-1!");
    expect((error as Error).message).toContain("ValidationException");
  });
});

describe("putSecureString", () => {
  it("keeps the KMS key the parameter already uses when none is configured", async () => {
    ssm
      .on(DescribeParametersCommand)
      .resolves({ Parameters: [{ Name: "/p", KeyId: "alias/app" }] });
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await store.putSecureString("/p", "v", undefined);
    expect(ssm.commandCalls(DescribeParametersCommand)[0]?.args[0].input).toEqual({
      ParameterFilters: [{ Key: "Name", Option: "Equals", Values: ["/p"] }],
    });
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).toMatchObject({
      Overwrite: true,
      Type: "SecureString",
      KeyId: "alias/app",
    });
  });

  it("uses the configured key without asking", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await store.putSecureString("/p", "v", "alias/configured");
    expect(ssm.commandCalls(DescribeParametersCommand)).toHaveLength(0);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.KeyId).toBe("alias/configured");
  });

  it("lets SSM pick its default key for a parameter that does not exist yet", async () => {
    ssm.on(DescribeParametersCommand).resolves({ Parameters: [] });
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    await store.putSecureString("/new", "v", undefined);
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input).not.toHaveProperty("KeyId");
  });
});

describe("deleteParameter and readable", () => {
  it("tolerates a parameter already gone", async () => {
    ssm.on(DeleteParameterCommand).rejects(new ParameterNotFound({ message: "gone", ...meta }));
    await expect(store.deleteParameter("/p")).resolves.toBeUndefined();
  });

  it("wraps other delete failures", async () => {
    ssm.on(DeleteParameterCommand).rejects(serviceError("AccessDeniedException", "no"));
    await expect(store.deleteParameter("/p")).rejects.toThrow(ParameterStoreError);
  });

  it("readable compares the decrypted value", async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: "new" } });
    expect(await store.readable("/p", "new")).toBe(true);
    expect(await store.readable("/p", "old")).toBe(false);
  });
});
