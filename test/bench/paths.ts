/** Where the benchmark runs things from: the repository root and its pinned Node 24. */
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const NODE_BIN = `${REPO_ROOT}node_modules/.bin/node`;
export const RESULTS_DIR = `${REPO_ROOT}bench-results`;
