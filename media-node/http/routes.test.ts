import { test } from "node:test";
import assert from "node:assert/strict";
import { matchRoute, routeLabel } from "./routes.js";

test("matchRoute recognises endpoints, resources, API, health and pages", () => {
  assert.deepEqual(matchRoute("/cam1/whip"), { name: "endpoint", path: "cam1", protocol: "whip" });
  assert.deepEqual(matchRoute("/cam1/whep/0b1c-22"), { name: "resource", path: "cam1", protocol: "whep", id: "0b1c-22" });
  assert.deepEqual(matchRoute("/v1/paths"), { name: "paths" });
  assert.deepEqual(matchRoute("/readyz"), { name: "readyz" });
  assert.deepEqual(matchRoute("/cam1/"), { name: "page", path: "cam1", page: "player" });
  assert.deepEqual(matchRoute("/cam1/publish"), { name: "page", path: "cam1", page: "publish" });
  assert.deepEqual(matchRoute("/../etc/whip"), { name: "none" });
  assert.deepEqual(matchRoute("/cam1/whip/a/b"), { name: "none" });
});

test("routeLabel keeps path names and ids out of metric labels", () => {
  assert.equal(routeLabel("POST", matchRoute("/anything/whep")), "POST /{path}/whep");
  assert.equal(routeLabel("DELETE", matchRoute("/x/whip/abc")), "DELETE /{path}/whip/{id}");
});
