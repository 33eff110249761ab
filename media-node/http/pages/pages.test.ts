import test from "node:test";
import assert from "node:assert/strict";
import { Script } from "node:vm";
import { escapeHtml, renderPlayerPage, renderPublisherPage } from "./pages.js";

function inlineScript(html: string): string {
  const match = /<script>([\s\S]*)<\/script>/.exec(html);
  assert.ok(match, "page has an inline script");
  return match[1]!;
}

test("renderPlayerPage -> one HTML document with the path, status region and WHEP script", () => {
  const html = renderPlayerPage("cam1");
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<title>cam1 — mediafleet player<\/title>/);
  assert.match(html, /role="status" aria-live="polite"/);
  assert.match(html, /new URL\("whep", base\)/);
  assert.doesNotMatch(html, /\{\{[A-Z]+\}\}/, "every placeholder is filled");
});

test("renderPublisherPage -> labelled source/codec controls and a WHIP script", () => {
  const html = renderPublisherPage("cam1");
  for (const id of ["source", "codec"]) assert.match(html, new RegExp(`<label for="${id}">`));
  assert.match(html, /<button id="start" type="submit">Start publishing<\/button>/);
  assert.match(html, /<button id="stop" type="button" disabled>Stop<\/button>/);
  assert.match(html, /new URL\("whip", location.href\)/);
  assert.doesNotMatch(html, /\{\{[A-Z]+\}\}/);
});

test("page scripts -> parse as JavaScript (no build step catches a typo otherwise)", () => {
  for (const html of [renderPlayerPage("a"), renderPublisherPage("a")]) {
    assert.doesNotThrow(() => new Script(inlineScript(html)));
  }
});

test("a path with markup -> escaped everywhere, never executed", () => {
  const evil = `x"><script>alert(1)</script>`;
  for (const html of [renderPlayerPage(evil), renderPublisherPage(evil)]) {
    assert.ok(!html.includes("<script>alert(1)"), "no raw script tag from the path");
    assert.ok(html.includes(escapeHtml(evil)));
    assert.equal(html.match(/<script>/g)?.length, 1, "only the page's own script");
  }
});

test("a path with $& and $1 -> inserted literally", () => {
  assert.match(renderPlayerPage("a$&b$1"), /<title>a\$&amp;b\$1 — /);
});
