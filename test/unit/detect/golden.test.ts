// Released detector versions are frozen by data: every registered `id@version` has golden verdicts (outcome,
// answer, rule) on the tricky-case fixture and the XSTest developer file (rules), or on hand-built first-token
// records (first-token), and must reproduce each one. A changed verdict fails here: new behaviour is a new
// version. New inputs get verdicts through test/helpers/write-golden.ts, which never rewrites a stored one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { getDetector, listDetectors } from "../../../src/detect/index.ts";
import { requireShared } from "../../helpers/shared.ts";
import type { RefusalDetector } from "../../../src/types.ts";
import { GOLDEN_SETS, XSTEST_REL, readGolden, sameVerdict, verdictOf, type GoldenInput, type Verdict } from "../../helpers/golden.ts";

const xstest = requireShared(XSTEST_REL);

function differences(golden: Map<string, Verdict>, inputs: readonly GoldenInput[], d: RefusalDetector): string[] {
  return inputs.flatMap(({ key, input }) => {
    const now = verdictOf(d.detect(input));
    const was = golden.get(key)!;
    return sameVerdict(was, now) ? [] : [`${key}: golden ${was.outcome}/${was.answer}/${was.rule}, now ${now.outcome}/${now.answer}/${now.rule}`];
  });
}

for (const set of GOLDEN_SETS) {
  const skip = set.name === "xstest-dev" ? xstest.skip : false;
  for (const name of listDetectors().filter((n) => set.ids.includes(getDetector(n).id))) {
    test(`${name} reproduces its golden verdicts on ${set.name}`, { skip }, () => {
      const golden = readGolden(set.name, name);
      assert.ok(golden, `no golden verdicts for ${name} on ${set.name}: a released version must be frozen (run test/helpers/write-golden.ts ${name})`);
      const inputs = set.load();
      const keys = new Set(inputs.map((i) => i.key));
      assert.equal(keys.size, inputs.length, "input keys are unique");
      const missing = inputs.filter((i) => !golden.has(i.key)).map((i) => i.key);
      assert.deepEqual(missing, [], `inputs without a golden verdict (new cases? run test/helpers/write-golden.ts ${name})`);
      const orphans = [...golden.keys()].filter((k) => !keys.has(k));
      assert.deepEqual(orphans, [], "golden verdicts whose input is gone (a case was edited or removed)");
      const changed = differences(golden, inputs, getDetector(name));
      assert.deepEqual(changed, [], `${name} changed behaviour on ${changed.length} of ${inputs.length} inputs`);
    });
  }
}

test("the golden files hold real, varied verdicts (not one outcome copied everywhere)", { skip: xstest.skip }, () => {
  for (const name of ["rules@1", "rules@2", "rules@3"]) {
    const g = readGolden("xstest-dev", name)!;
    assert.equal(g.size, 1550);
    const outcomes = new Map<string, number>();
    for (const v of g.values()) outcomes.set(v.outcome, (outcomes.get(v.outcome) ?? 0) + 1);
    // XSTest has 584 human refusals of 1550; every rules version finds a few hundred.
    assert.ok((outcomes.get("refusal") ?? 0) > 300 && (outcomes.get("answer") ?? 0) > 700, `${name}: ${JSON.stringify([...outcomes])}`);
  }
  const t = readGolden("tricky", "rules@3")!;
  assert.ok(new Set([...t.values()].map((v) => v.outcome)).size === 4, "the tricky fixture's golden has all four outcomes");
});

test("a changed behaviour is caught: rules@2 run against rules@3's golden verdicts differs, naming the inputs", () => {
  const set = GOLDEN_SETS.find((s) => s.name === "tricky")!;
  const inputs = set.load();
  const diff = differences(readGolden("tricky", "rules@3")!, inputs, getDetector("rules@2"));
  // The fixture marks its rules@3 fixes `since: 3`; rules@2 gets those wrong, so at least that many differ.
  assert.ok(diff.length >= 10, `${diff.length} differences`);
  assert.match(diff[0], /^[0-9a-f]{16}: golden \w+\/.*, now /);
});
