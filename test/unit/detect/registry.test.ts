import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_RULES, getDetector, listDetectors, parseDetectorName } from "../../../src/detect/index.ts";
import { HarnessError } from "../../../src/errors.ts";

test("registry lists and finds detectors by id@version", () => {
  assert.deepEqual(listDetectors().sort(), ["first-token@1", "first-token@2", "rules@1", "rules@2", "rules@3", "rules@4"]);
  assert.equal(DEFAULT_RULES, "rules@4");
  for (const name of listDetectors()) {
    const d = getDetector(name);
    assert.equal(`${d.id}@${d.version}`, name);
    assert.equal(d.detect({ text: "", labels: [], firstToken: null }).detector, name, "verdicts carry the same name");
  }
  assert.equal(getDetector("rules").version, 4, "a bare id is its newest version");
  assert.deepEqual(parseDetectorName(" first-token@1 "), { id: "first-token", version: 1 });
});

test("unknown detectors fail with a did-you-mean", () => {
  assert.throws(() => getDetector("rulez@2"), (e: unknown) => e instanceof HarnessError && /did you mean 'rules@2'/.test(e.message));
  assert.throws(() => getDetector("rules@9"), (e: unknown) => e instanceof HarnessError && /no version 9/.test(e.message) && /versions: 4, 3, 2, 1/.test(e.message));
  assert.throws(() => getDetector("rules@two"), (e: unknown) => e instanceof HarnessError && e.code === "BAD_USAGE");
});
