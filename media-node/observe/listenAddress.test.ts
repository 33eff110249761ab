import { test } from "node:test";
import assert from "node:assert/strict";
import { parseListenAddress, urlOf } from "./listenAddress.js";

test("parseListenAddress splits host and port, IPv6 brackets and empty host", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:9999"), { host: "127.0.0.1", port: 9999 });
  assert.deepEqual(parseListenAddress("[::1]:0"), { host: "::1", port: 0 });
  assert.deepEqual(parseListenAddress(":9998"), { host: "0.0.0.0", port: 9998 });
  assert.throws(() => parseListenAddress("9999"), /host:port/);
  assert.throws(() => parseListenAddress("h:70000"), /bad port/);
});

test("urlOf brackets IPv6 hosts", () => {
  assert.equal(urlOf("::1", 80, "/x"), "http://[::1]:80/x");
  assert.equal(urlOf("127.0.0.1", 80, "/x"), "http://127.0.0.1:80/x");
});
