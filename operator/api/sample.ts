/** The sample MediaServer (testdata/mediaserver-sample.yaml), parsed; for tests and docs. */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { MediaServer } from "./types.js";

export const SAMPLE_PATH = new URL("./testdata/mediaserver-sample.yaml", import.meta.url);

/** A fresh copy each call, with namespace and uid set as the API server would. */
export function sampleMediaServer(): MediaServer {
  const ms = parse(readFileSync(SAMPLE_PATH, "utf8")) as MediaServer;
  ms.metadata.namespace ??= "default";
  ms.metadata.uid ??= "6f1c2a3e-0000-4000-8000-000000000001";
  ms.metadata.generation ??= 1;
  return ms;
}
