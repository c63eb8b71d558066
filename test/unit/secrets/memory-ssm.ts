/**
 * SSM's parameter history as the record store depends on it, in memory: versions counted per
 * name (restarting at 1 after a delete), `name:version` selectors, the 8 KB value limit that
 * moto does not enforce, ten names per batch call. `beforePut` lets a test crash a writer or
 * interleave two of them at an exact call.
 */
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";

const failure = (name: string, message: string) =>
  new SSMServiceException({ name, message, $fault: "client", $metadata: {} });

export class MemorySsm {
  readonly client = new SSMClient({ region: "eu-west-1" });
  /** Every version of every parameter still kept, oldest first. */
  readonly history = new Map<string, { version: number; value: string }[]>();
  readonly calls: string[] = [];
  beforePut: (name: string) => Promise<void> | void = () => undefined;
  private readonly mock = mockClient(this.client);

  constructor() {
    this.mock.on(GetParameterCommand).callsFake(({ Name }: { Name: string }) => {
      this.calls.push("GetParameter");
      const latest = this.history.get(Name)?.at(-1);
      if (!latest) throw failure("ParameterNotFound", `${Name} not found`);
      return { Parameter: { Name, Type: "String", Value: latest.value, Version: latest.version } };
    });
    this.mock.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => {
      this.calls.push("GetParameters");
      if (Names.length > 10) throw failure("ValidationException", "at most 10 names");
      const found = Names.map((selector) => {
        const [name = "", version] = selector.split(":");
        const kept = this.history.get(name) ?? [];
        const hit = version ? kept.find((v) => String(v.version) === version) : kept.at(-1);
        return hit
          ? { Name: name, Type: "String", Value: hit.value, Version: hit.version }
          : undefined;
      });
      return {
        Parameters: found.filter((p) => p !== undefined),
        InvalidParameters: Names.filter((_, i) => found[i] === undefined),
      };
    });
    this.mock.on(PutParameterCommand).callsFake(async (input: { Name: string; Value: string }) => {
      this.calls.push("PutParameter");
      await this.beforePut(input.Name);
      if (input.Value.length > 8192) {
        throw failure("ValidationException", "advanced parameters hold at most 8192 characters");
      }
      const kept = this.history.get(input.Name) ?? [];
      const version = (kept.at(-1)?.version ?? 0) + 1;
      this.history.set(input.Name, [...kept, { version, value: input.Value }].slice(-100));
      return { Version: version, Tier: input.Value.length > 4096 ? "Advanced" : "Standard" };
    });
    this.mock.on(DeleteParameterCommand).callsFake(({ Name }: { Name: string }) => {
      this.calls.push("DeleteParameter");
      if (!this.history.delete(Name)) throw failure("ParameterNotFound", `${Name} not found`);
      return {};
    });
    this.mock.on(DeleteParametersCommand).callsFake(({ Names }: { Names: string[] }) => {
      this.calls.push("DeleteParameters");
      const deleted = Names.filter((n) => this.history.delete(n));
      return {
        DeletedParameters: deleted,
        InvalidParameters: Names.filter((n) => !deleted.includes(n)),
      };
    });
  }

  /** The latest value of every parameter whose name starts with `prefix`. */
  values(prefix: string): Map<string, string> {
    const out = new Map<string, string>();
    for (const [name, kept] of this.history) {
      const latest = kept.at(-1);
      if (name.startsWith(prefix) && latest) out.set(name, latest.value);
    }
    return out;
  }

  restore(): void {
    this.mock.restore();
  }
}
