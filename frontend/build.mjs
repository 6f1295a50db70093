// Copy GOV.UK Frontend and htmx browser files into trellis/static/.
// Run from the repository root after sass (see "build" in package.json).
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { basename, dirname } from "node:path";

const govuk = "node_modules/govuk-frontend/dist/govuk";

function copy(from, to, options = {}) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, options);
  console.log(`copied ${from} -> ${to}`);
}

copy(`${govuk}/govuk-frontend.min.js`, "trellis/static/govuk/govuk-frontend.min.js");

// Everything in assets/ except fonts/: we must not ship the GDS Transport font.
rmSync("trellis/static/govuk/assets", { recursive: true, force: true });
copy(`${govuk}/assets`, "trellis/static/govuk/assets", {
  recursive: true,
  filter: (path) => !(basename(path) === "fonts" && dirname(path) === `${govuk}/assets`),
});

copy("node_modules/htmx.org/dist/htmx.min.js", "trellis/static/htmx/htmx.min.js");
