// The licences of every package bundled into editor.js, written beside it (they travel together).
import { readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = "node_modules";
const names = [];
for (const entry of readdirSync(root)) {
  if (entry.startsWith(".") || entry === "esbuild" || entry === "@esbuild" || entry === "@types" || entry === "undici-types") continue;
  if (entry.startsWith("@")) for (const inner of readdirSync(join(root, entry))) names.push(entry + "/" + inner);
  else names.push(entry);
}
const parts = ["Third-party software bundled in editor.js (built from web/editor/, see README).\n"];
for (const name of names.sort()) {
  const dir = join(root, name);
  const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  parts.push(`\n=== ${name} ${meta.version} (${meta.license}) ===\n` + (file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), "utf8") : ""));
}
writeFileSync("../static/editor.js.LICENSES.txt", parts.join(""));
