import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopbackHost, parseListenAddress, urlOf } from "./listenAddress.js";

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

test("parseListenAddress of an unbracketed IPv6 pod address ($(POD_IP):port) -> the last colon separates the port", () => {
  assert.deepEqual(parseListenAddress("fd00:10:244::7:9998"), { host: "fd00:10:244::7", port: 9998 });
});

test("isLoopbackHost: 127/8, ::1, mapped 127.x and localhost are; wildcards, pod and node addresses are not", () => {
  for (const host of ["127.0.0.1", "127.10.0.5", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"]) assert.equal(isLoopbackHost(host), true, host);
  for (const host of ["0.0.0.0", "::", "", "10.0.0.7", "fd00::7", "::ffff:10.0.0.7", "128.0.0.1", "127.0.0.1.example.com", "node-1"]) assert.equal(isLoopbackHost(host), false, host);
});
