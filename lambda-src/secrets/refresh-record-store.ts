/**
 * The in-flight refresh record in SSM (core/refresh-record.ts): a plain String parameter of
 * its own (REFRESH_STATE_PARAMETER), holding JSON with no secret. The Intelligent-Tiering
 * tier stores a record up to 4 KB as a standard parameter and a larger one (up to 8 KB, some
 * fifty services in flight) as an advanced one, without anyone choosing in advance.
 */
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import {
  parseRefreshRecord,
  RefreshRecordError,
  type RefreshRecordStore,
} from "../core/refresh-record";
import { ParameterStoreError } from "./parameter-store";

const errorName = (error: unknown) => (error instanceof Error ? error.name : "UnknownError");
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createRefreshRecordStore(ssm: SSMClient, name: string): RefreshRecordStore {
  return {
    async read() {
      let out;
      try {
        out = await ssm.send(new GetParameterCommand({ Name: name }));
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") return undefined;
        throw new ParameterStoreError("GetParameter", name, errorName(error), message(error));
      }
      const { Value: value, Version: version, Type: type } = out.Parameter ?? {};
      if (type !== "String" || value === undefined || version === undefined) {
        throw new RefreshRecordError(`${name} is a ${type ?? "missing"} parameter, not a String`);
      }
      return { record: parseRefreshRecord(name, value), version };
    },

    async write(record) {
      try {
        const out = await ssm.send(
          new PutParameterCommand({
            Name: name,
            Value: JSON.stringify(record),
            Type: "String",
            Overwrite: true,
            Tier: "Intelligent-Tiering",
            Description: `In-flight ECS refresh of rotation ${record.invocationId}; no secret`,
          }),
        );
        return out.Version ?? 0;
      } catch (error) {
        throw new ParameterStoreError("PutParameter", name, errorName(error), message(error));
      }
    },

    async remove() {
      try {
        await ssm.send(new DeleteParameterCommand({ Name: name }));
        return true;
      } catch (error) {
        if (errorName(error) === "ParameterNotFound") return false;
        throw new ParameterStoreError("DeleteParameter", name, errorName(error), message(error));
      }
    },
  };
}
