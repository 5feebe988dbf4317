import { test } from "node:test";
import assert from "node:assert/strict";
import { closest, didYouMean } from "../../src/errors.ts";

test("closest suggests a near name and refuses far ones", () => {
  assert.equal(closest("muslim_man", ["muslim_person", "christian_person", "control"]), undefined);
  assert.equal(closest("muslim_persn", ["muslim_person", "christian_person"]), "muslim_person");
  assert.match(didYouMean("contrl", ["control", "woman"]), /did you mean 'control'/);
});
