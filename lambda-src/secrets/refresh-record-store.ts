/**
 * The in-flight refresh record in SSM (core/refresh-record.ts): String parameters with no
 * secret. The record's own parameter (REFRESH_STATE_PARAMETER) is the head; a record too large
 * for one parameter is compressed and, if still too large, split into parts under the head's
 * path (refresh-record-codec.ts), with no ceiling but SSM's own. Intelligent-Tiering stores a
 * value up to 4 KB as a standard parameter and a larger one (up to 8 KB) as an advanced one,
 * without anyone choosing in advance.
 *
 * Order is the crash safety: parts are written before the head that pins their versions, and
 * the head is deleted before the parts. So a crash leaves either the previous head, whose pinned
 * part versions SSM still keeps (a record never loses a service), or no head (nothing to report
 * twice). A head whose parts are gone, or changed, can only be one a losing writer wrote again
 * after another invocation finished the refresh: it reads as no refresh in flight.
 */
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import {
  RefreshRecordError,
  type RefreshRecord,
  type RefreshRecordStore,
} from "../core/refresh-record";
import {
  headValue,
  packRecord,
  parseHead,
  partName,
  unpackRecord,
  type Head,
} from "./refresh-record-codec";
import { errorName } from "../redact";
import { parameterStoreError, type ParameterStoreError } from "./parameter-store";

/** GetParameters and DeleteParameters take at most ten names per call. */
const BATCH = 10;

type Operation = ConstructorParameters<typeof ParameterStoreError>[0];

export function createRefreshRecordStore(ssm: SSMClient, name: string): RefreshRecordStore {
  async function call<T>(action: Operation, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw parameterStoreError(error, action, target);
    }
  }

  async function put(target: string, value: string, description: string): Promise<number> {
    const out = await call("PutParameter", target, () =>
      ssm.send(
        new PutParameterCommand({
          Name: target,
          Value: value,
          Type: "String",
          Overwrite: true,
          Tier: "Intelligent-Tiering",
          Description: description,
        }),
      ),
    );
    return out.Version ?? 0;
  }

  /** The parts' data at the pinned versions, or undefined when one of them is gone. */
  async function readParts(versions: readonly number[]): Promise<string | undefined> {
    const selectors = versions.map((v, i) => `${partName(name, i + 1)}:${v}`);
    const values = new Map<string, string>();
    for (let at = 0; at < selectors.length; at += BATCH) {
      const batch = selectors.slice(at, at + BATCH);
      const out = await call("GetParameters", partName(name, at + 1), () =>
        ssm.send(new GetParametersCommand({ Names: batch })),
      );
      // Keyed by name and version: SSM answers a selector with the version it selected.
      for (const p of out.Parameters ?? []) {
        if (p.Value !== undefined) values.set(`${p.Name ?? ""}:${p.Version ?? 0}`, p.Value);
      }
    }
    const data = selectors.map((s) => values.get(s));
    return data.every((d) => d !== undefined) ? data.join("") : undefined;
  }

  async function recordOf(head: Head): Promise<RefreshRecord | undefined> {
    if (head.kind === "plain") return head.record;
    if (head.kind === "packed") {
      const record = await unpackRecord(name, head.sha256, head.data);
      if (record === undefined) throw new RefreshRecordError(`${name} fails its own digest`);
      return record;
    }
    const data = await readParts(head.versions);
    return data === undefined ? undefined : unpackRecord(name, head.sha256, data);
  }

  /** Delete the parts from part-1 on, ten per call, until a batch finds one missing. */
  async function removeParts(): Promise<void> {
    for (let first = 1; ; first += BATCH) {
      const names = Array.from({ length: BATCH }, (_, i) => partName(name, first + i));
      const out = await ssm.send(new DeleteParametersCommand({ Names: names }));
      if ((out.InvalidParameters ?? []).length > 0) return;
    }
  }

  return {
    async read() {
      let out;
      try {
        out = await ssm.send(new GetParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") return undefined;
        throw parameterStoreError(error, "GetParameter", name);
      }
      const { Value: value, Version: version, Type: type } = out.Parameter ?? {};
      if (type !== "String" || value === undefined || version === undefined) {
        throw new RefreshRecordError(`${name} is a ${type ?? "missing"} parameter, not a String`);
      }
      const record = await recordOf(parseHead(name, value));
      return record === undefined ? undefined : { record, version };
    },

    async write(record) {
      const packed = await packRecord(record);
      const about = `In-flight ECS refresh of rotation ${record.invocationId}; no secret`;
      const versions: number[] = [];
      if (packed.kind === "packed") {
        for (const [i, part] of packed.parts.entries()) {
          const n = i + 1;
          versions.push(await put(partName(name, n), part, `Part ${n} of ${name}; ${about}`));
        }
      }
      return put(name, headValue(packed, versions), about);
    },

    async remove() {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") return false;
        throw parameterStoreError(error, "DeleteParameter", name);
      }
      // The head's delete was the claim; parts left behind by a failure here are unreachable
      // (no head points at them) and the next record overwrites them, so the finish goes on.
      await removeParts().catch(() => undefined);
      return true;
    },
  };
}
