import { describe, expect, it } from "vitest";
import { Api, ApiError, describeError, errorFrom, query, type KeyStore } from "./api";
import { applyBody, rollbackBody } from "./deploy";
import { diffSchemas } from "./diff";
import { cellDetails, cellLabel, migrationStateRequest, moveCell } from "./matrix";
import { buildOperation, describeOperation } from "./ops";
import { parseRoute, projectHref } from "./router";
import { changesetLook, formatTime, isFinal } from "./status";

describe("status", () => {
  it("gives every changeset status a word and a symbol, not only a colour", () => {
    for (const s of ["Successfully_Deployed", "Not_Deployed", "Deployment_Failed", "Rolled_Back"]) {
      const look = changesetLook(s);
      expect(look.label.length).toBeGreaterThan(3);
      expect(look.symbol).not.toBe("");
    }
    expect(new Set(["✓", "○", "✕", "↺"])).toEqual(new Set(["Successfully_Deployed", "Not_Deployed", "Deployment_Failed", "Rolled_Back"].map((s) => changesetLook(s).symbol)));
    expect(changesetLook("Weird").label).toBe("Weird");
  });
  it("knows final job statuses of both APIs", () => {
    expect(["SUCCESS", "FAILURE", "CANCELLED", "completed", "failed", "cancelled"].every(isFinal)).toBe(true);
    expect(["IN_PROGRESS", "pending", "running"].some(isFinal)).toBe(false);
    expect(formatTime(0)).toBe("1970-01-01 00:00:00 UTC");
    expect(formatTime(null)).toBe("–");
  });
});

describe("api", () => {
  const keys = (key: string | null): KeyStore => ({ get: () => key, set: () => {}, clear: () => {} });

  it("reads both error envelopes", () => {
    expect(errorFrom(404, { message: "Schema 'x' not found" }).message).toBe("Schema 'x' not found");
    const e = errorFrom(409, { error: "busy", code: "OPERATION_IN_PROGRESS", details: { operationId: "op_1" }, retryable: true });
    expect([e.message, e.code]).toEqual(["busy", "OPERATION_IN_PROGRESS"]);
    expect(errorFrom(502, "<html>").message).toBe("Request failed with HTTP 502");
  });

  it("explains 401 and 403 plainly", () => {
    expect(describeError(new ApiError(401, "Unauthorized"))).toMatch(/API key was not accepted/);
    expect(describeError(new ApiError(403, "Key scope does not include acme/shop"))).toMatch(/may not do that \(403\).*acme\/shop/);
  });

  it("sends the key only as a header and tells listeners about auth failures", async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return new Response(JSON.stringify({ message: "Unauthorized" }), { status: 401 });
    }) as unknown as typeof fetch;
    const api = new Api(keys("secret-key"), "http://x", fetcher);
    const seen: number[] = [];
    api.onAuthError((e) => seen.push(e.status));
    await expect(api.get("/v1/orgs/o/projects/p/dbschema")).rejects.toBeInstanceOf(ApiError);
    expect(seen).toEqual([401]);
    expect(calls[0].url).not.toContain("secret-key");
    expect((calls[0].init.headers as Record<string, string>)["x-api-key"]).toBe("secret-key");
  });

  it("reads X-Total-Elements and refuses to call without a key", async () => {
    const fetcher = (async () => new Response("[]", { status: 200, headers: { "X-Total-Elements": "2001" } })) as unknown as typeof fetch;
    expect((await new Api(keys("k"), "", fetcher).request("GET", "/x")).total).toBe(2001);
    await expect(new Api(keys(null), "", fetcher).get("/x")).rejects.toMatchObject({ status: 401 });
    expect(query({ a: 1, b: "", c: undefined, d: "x y" })).toBe("?a=1&d=x%20y");
  });
});

describe("router", () => {
  it("round-trips encoded segments", () => {
    const hash = projectHref("acme org", "shop", "schemas", "orders", "instances", "eu/1");
    expect(parseRoute(hash)).toEqual({ page: "instance", org: "acme org", project: "shop", schema: "orders", instance: "eu/1" });
    expect(parseRoute("#/tables/tbl_1/operations/op_2")).toEqual({ page: "operation", tableId: "tbl_1", operationId: "op_2" });
    expect(parseRoute("#/orgs/o/projects/p/schemas/s/instances/i/executions")).toMatchObject({ page: "executions", instance: "i" });
    expect(parseRoute("")).toEqual({ page: "home" });
    expect(parseRoute("#/nope").page).toBe("notFound");
  });
});

describe("matrix", () => {
  const state = { instance: "prod", status: "Deployment_Failed" as const, pipeline: "deploy", planExecutionId: "p1",
    stageExecutionId: "s1", tag: "v2", updated: 0, error: "no such table: x" };
  it("builds the migrationstate request", () => {
    expect(migrationStateRequest({ page: 2, limit: 50, search: " alice ", instances: ["a"], sort: "updated", order: "DESC" })).toEqual({
      params: { page: 2, limit: 50, search_term: "alice" },
      body: { instanceFilter: { sort: "updated", order: "DESC", instances: ["a"] } },
    });
    expect(migrationStateRequest({ page: 0, limit: 25, search: "", instances: null, sort: "name", order: "ASC" }).body)
      .toEqual({ instanceFilter: { sort: "name", order: "ASC" } });
  });
  it("says tag, pipeline, time and error of a cell", () => {
    expect(cellDetails(state)).toEqual(["Deployment failed", "Tag: v2", "Pipeline: deploy (p1 / s1)", "Time: 1970-01-01 00:00:00 UTC", "Error: no such table: x"]);
    expect(cellLabel("3", "Prod", state)).toMatch(/^3 on Prod: Deployment failed, Tag: v2/);
  });
  it("moves inside the grid with the arrow keys", () => {
    expect(moveCell(0, 0, "ArrowUp", 3, 3)).toEqual([0, 0]);
    expect(moveCell(1, 1, "ArrowRight", 3, 3)).toEqual([1, 2]);
    expect(moveCell(2, 2, "ArrowDown", 3, 3)).toEqual([2, 2]);
    expect(moveCell(1, 1, "End", 3, 3)).toEqual([1, 2]);
    expect(moveCell(1, 1, "a", 3, 3)).toBeNull();
  });
});

describe("schema diff", () => {
  it("lists added, removed and changed columns and key changes", () => {
    const v1 = { fields: [{ name: "id", arrowType: "int64", nullable: false }, { name: "amount", arrowType: "int32", nullable: true },
      { name: "old", arrowType: "utf8", nullable: true }], primaryKeyColumns: ["id"] };
    const v2 = { fields: [{ name: "id", arrowType: "int64", nullable: false }, { name: "amount", arrowType: "int64", nullable: false },
      { name: "currency", arrowType: "utf8", nullable: true }], primaryKeyColumns: [] };
    const diff = diffSchemas(v1, v2);
    expect(diff.fields.map((c) => `${c.kind}:${c.name}`)).toEqual(["changed:amount", "removed:old", "added:currency"]);
    expect(diff.fields[0]).toMatchObject({ what: ["type int32 → int64", "now required"] });
    expect(diff.primaryKey).toEqual({ from: ["id"], to: [] });
    expect(diffSchemas(v1, v1)).toEqual({ fields: [], primaryKey: null });
  });
});

describe("operations and deployment bodies", () => {
  it("types the composer's inputs", () => {
    expect(buildOperation("add_column", { name: "currency", dataType: "string", nullable: "false", defaultValue: "EUR" }))
      .toEqual({ type: "add_column", params: { name: "currency", dataType: "string", nullable: false, defaultValue: "EUR" } });
    expect(buildOperation("add_column", { name: "n", dataType: "int64", nullable: "true", defaultValue: "0", position: "1" }).params)
      .toMatchObject({ defaultValue: 0, position: 1 });
    expect(buildOperation("set_primary_key", { columns: "a, b" }).params).toEqual({ columns: ["a", "b"], enforced: false });
    expect(() => buildOperation("drop_column", {})).toThrow(/Column name is required/);
    expect(describeOperation({ type: "drop_column", params: { name: "x" } })).toBe('Drop column (name="x")');
  });
  it("builds apply and rollback bodies with console pipeline ids", () => {
    const body = applyBody({ tag: "v3", toTag: "", count: "2", contexts: "", labels: "" }, true, 7);
    expect(body).toEqual({ pipeline: "console", planExecutionId: "console-7", stageExecutionId: "apply", dryRun: true, tag: "v3", count: 2 });
    expect(() => applyBody({ tag: "", toTag: "v1", count: "1", contexts: "", labels: "" }, false)).toThrow(/either/);
    expect(rollbackBody({ by: "count", tag: "", count: "3" }, false, 1)).toMatchObject({ count: 3, dryRun: false });
    expect(() => rollbackBody({ by: "tag", tag: " ", count: "" }, true)).toThrow(/tag/);
    expect(() => rollbackBody({ by: "count", tag: "", count: "0" }, true)).toThrow(/at least 1/);
  });
});
