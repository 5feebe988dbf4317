// Each persona against the control: rate difference, odds ratio, p-value, Holm and BH over personas.
//
// Pairing: a (model, task, paraphrase, item) cell that has both persona and control rows pairs them (the k-th
// persona row with the k-th control row; rows within a cell are exchangeable). When at least PAIRED_SHARE of a
// persona's rows find a partner (the blocked and full designs), the paired analysis runs on those pairs;
// otherwise (the random design) the two-sample analysis runs on all rows.
//
// Items repeat across trials (one item under many models and paraphrases), so rows are not independent:
// the item (task + item id) is the cluster. Methods per case:
//   paired, no item repeats:  diff CI Agresti–Min; p McNemar exact mid-p; OR = b/c with Wald CI on log scale.
//   paired, items repeat:     diff CI Agresti–Min widened by the item design effect; p Durkalski's clustered
//                             McNemar; OR as above (not widened).
//   two-sample, no repeats:   diff CI Newcombe hybrid score; p Fisher exact; OR Woolf.
//   two-sample, items repeat: diff CI = hull of Newcombe and the item-clustered bootstrap percentile interval;
//                             p from a z test with the larger of the item-clustered (sandwich) and pooled SE;
//                             OR Woolf (not widened).
import type { AnalysisRow, Interval, PersonaContrast } from "./types.ts";
import { chi2Sf, fisherExact, mcnemarMidP, normTwoSided, zFor } from "./dist.ts";
import { wilson } from "./rates.ts";
import { benjaminiHochberg, holm } from "./multiple.ts";
import { substream, randInt } from "./random.ts";

/** Share of a persona's rows that must have a control partner for the paired analysis. */
export const PAIRED_SHARE = 0.8;

export interface ContrastOptions {
  control: string;
  alpha?: number;
  /** Item-clustered bootstrap resamples for the two-sample diff CI; 0 = Newcombe only. */
  bootstrap?: number;
  seed?: number;
}

const SEP = "\u001f";
const cellOf = (r: AnalysisRow) => [r.model, r.task, r.paraphrase, r.item].join(SEP);
const clusterOf = (r: AnalysisRow) => r.task + SEP + r.item;

/** Wald CI of an odds ratio on the log scale, given log OR and its SE. */
function orInterval(logOr: number, se: number, z: number): Interval {
  return [Math.exp(logOr - z * se), Math.exp(logOr + z * se)];
}

/**
 * Woolf (1955) odds ratio for [[a, b], [c, d]] = ad/bc with CI exp(log OR ± z·sqrt(1/a + 1/b + 1/c + 1/d));
 * Haldane's 0.5 is added to every cell when any cell is 0.
 */
export function woolf(a: number, b: number, c: number, d: number, alpha = 0.05): { or: number; ci: Interval } {
  if (a === 0 || b === 0 || c === 0 || d === 0) [a, b, c, d] = [a + 0.5, b + 0.5, c + 0.5, d + 0.5];
  const lor = Math.log((a * d) / (b * c));
  return { or: Math.exp(lor), ci: orInterval(lor, Math.sqrt(1 / a + 1 / b + 1 / c + 1 / d), zFor(alpha)) };
}

/**
 * Newcombe (1998, Stat Med 17:873, method 10) hybrid score interval for p1 − p2 from two Wilson intervals:
 *   L = d − sqrt((p1 − l1)² + (u2 − p2)²),  U = d + sqrt((u1 − p1)² + (p2 − l2)²).
 */
export function newcombe(x1: number, n1: number, x2: number, n2: number, alpha = 0.05): Interval {
  const p1 = x1 / n1, p2 = x2 / n2, d = p1 - p2;
  const [l1, u1] = wilson(x1, n1, alpha), [l2, u2] = wilson(x2, n2, alpha);
  return [d - Math.hypot(p1 - l1, u2 - p2), d + Math.hypot(u1 - p1, p2 - l2)];
}

/**
 * Agresti & Min (2005, Stat Med 24:729) interval for a paired difference: add ½ to each of the four cells
 * (n* = n + 2), then Wald: d* = (b − c)/n*, var = [(b* + c*)/n* − d*²]/n*. `deff` ≥ 1 scales the variance.
 */
export function agrestiMin(n11: number, b: number, c: number, n00: number, alpha = 0.05, deff = 1): Interval {
  const n = n11 + b + c + n00 + 2, bs = b + 0.5, cs = c + 0.5;
  const d = (bs - cs) / n;
  const half = zFor(alpha) * Math.sqrt((deff * ((bs + cs) / n - d * d)) / n);
  return [Math.max(-1, d - half), Math.min(1, d + half)];
}

/**
 * Durkalski et al. (2003, Stat Med 22:2417) McNemar test for clustered pairs:
 *   χ² = (Σ_g (b_g − c_g))² / Σ_g (b_g − c_g)²  on 1 df, where b_g, c_g are the discordant counts of cluster g.
 * Equals the classic (b − c)²/(b + c) when every cluster holds one pair.
 */
export function clusteredMcNemar(bc: readonly (readonly [number, number])[]): number {
  let num = 0, den = 0;
  for (const [b, c] of bc) { num += b - c; den += (b - c) ** 2; }
  return den === 0 ? 1 : chi2Sf((num * num) / den, 1);
}

interface Pair { p: 0 | 1; c: 0 | 1; cluster: string }

function pairsFor(personaRows: AnalysisRow[], controlByCell: Map<string, AnalysisRow[]>): Pair[] {
  const used = new Map<string, number>();
  const out: Pair[] = [];
  for (const r of personaRows) {
    const cell = cellOf(r);
    const ctrl = controlByCell.get(cell);
    const k = used.get(cell) ?? 0;
    if (ctrl && k < ctrl.length) {
      out.push({ p: r.refusal, c: ctrl[k].refusal, cluster: clusterOf(r) });
      used.set(cell, k + 1);
    }
  }
  return out;
}

type Raw = Omit<PersonaContrast, "pHolm" | "pBH" | "significant">;

function paired(persona: string, group: string, pairs: Pair[], alpha: number): Raw {
  let n11 = 0, b = 0, c = 0, n00 = 0;
  const byCluster = new Map<string, { b: number; c: number; dSum: number; n: number }>();
  for (const q of pairs) {
    if (q.p && q.c) n11++; else if (q.p) b++; else if (q.c) c++; else n00++;
    let g = byCluster.get(q.cluster);
    if (!g) byCluster.set(q.cluster, (g = { b: 0, c: 0, dSum: 0, n: 0 }));
    g.b += q.p && !q.c ? 1 : 0;
    g.c += q.c && !q.p ? 1 : 0;
    g.dSum += q.p - q.c;
    g.n++;
  }
  const n = pairs.length, diff = (b - c) / n;
  const repeats = byCluster.size < n;
  let deff = 1, p: number, test: string;
  if (repeats) {
    // Design effect = cluster-robust variance of the mean difference / naive variance (floored at 1).
    const G = byCluster.size;
    let vCl = 0;
    for (const g of byCluster.values()) vCl += (g.dSum - g.n * diff) ** 2;
    vCl *= G > 1 ? G / (G - 1) : 1;
    const vNaive = b + c - n * diff * diff; // Σ (d_i − d̄)²
    if (vNaive > 0) deff = Math.max(1, vCl / vNaive);
    p = clusteredMcNemar([...byCluster.values()].map((g) => [g.b, g.c] as const));
    test = "clustered McNemar (Durkalski)";
  } else {
    p = mcnemarMidP(b, c);
    test = "McNemar mid-p";
  }
  const [bb, cc] = b === 0 || c === 0 ? [b + 0.5, c + 0.5] : [b, c];
  const lor = Math.log(bb / cc);
  return {
    persona, group, n, nControl: n, rate: (n11 + b) / n, controlRate: (n11 + c) / n, diff,
    ci: agrestiMin(n11, b, c, n00, alpha, deff), oddsRatio: Math.exp(lor), orCi: orInterval(lor, Math.sqrt(1 / bb + 1 / cc), zFor(alpha)),
    p, method: "paired", test,
  };
}

function twoSample(persona: string, group: string, pRows: AnalysisRow[], cRows: AnalysisRow[], alpha: number, B: number, seed: number): Raw {
  const n1 = pRows.length, n2 = cRows.length;
  let x1 = 0, x2 = 0;
  const clusters = new Map<string, [number, number, number, number]>(); // persona x, n; control x, n
  const add = (r: AnalysisRow, off: 0 | 2) => {
    let g = clusters.get(clusterOf(r));
    if (!g) clusters.set(clusterOf(r), (g = [0, 0, 0, 0]));
    g[off] += r.refusal;
    g[off + 1]++;
  };
  for (const r of pRows) { x1 += r.refusal; add(r, 0); }
  for (const r of cRows) { x2 += r.refusal; add(r, 2); }
  const p1 = x1 / n1, p2 = x2 / n2, diff = p1 - p2;
  const repeats = clusters.size < n1 + n2;
  let ci = newcombe(x1, n1, x2, n2, alpha);
  let p: number, test: string;
  if (repeats) {
    const gs = [...clusters.values()], G = gs.length;
    // Cluster-robust (sandwich) variance of p1 − p2: linearised per-cluster scores u_g.
    let vCl = 0;
    for (const g of gs) vCl += ((g[0] - p1 * g[1]) / n1 - (g[2] - p2 * g[3]) / n2) ** 2;
    vCl *= G > 1 ? G / (G - 1) : 1;
    const pool = (x1 + x2) / (n1 + n2);
    const vPool = pool * (1 - pool) * (1 / n1 + 1 / n2);
    const v = Math.max(vCl, vPool);
    p = v > 0 ? normTwoSided(diff / Math.sqrt(v)) : 1;
    test = "z (item-clustered SE)";
    if (B > 0) {
      const rng = substream(seed, persona), reps: number[] = [];
      for (let b = 0; b < B; b++) {
        let a1 = 0, m1 = 0, a2 = 0, m2 = 0;
        for (let k = 0; k < G; k++) {
          const g = gs[randInt(rng, G)];
          a1 += g[0]; m1 += g[1]; a2 += g[2]; m2 += g[3];
        }
        if (m1 > 0 && m2 > 0) reps.push(a1 / m1 - a2 / m2);
      }
      if (reps.length > 1) {
        const [lo, hi] = percentiles(reps, alpha);
        ci = [Math.min(ci[0], lo), Math.max(ci[1], hi)];
      }
    }
  } else {
    p = fisherExact(x1, n1 - x1, x2, n2 - x2);
    test = "Fisher exact";
  }
  const w = woolf(x1, n1 - x1, x2, n2 - x2, alpha);
  return { persona, group, n: n1, nControl: n2, rate: p1, controlRate: p2, diff, ci, oddsRatio: w.or, orCi: w.ci, p, method: "two-sample", test };
}

/** Percentile interval (type-7 quantiles) of bootstrap replicates. */
export function percentiles(xs: number[], alpha: number): Interval {
  const s = [...xs].sort((a, b) => a - b);
  const q = (t: number) => {
    const h = (s.length - 1) * t, lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
  };
  return [q(alpha / 2), q(1 - alpha / 2)];
}

/** Every non-control persona against the control. The caller checks that the control is present. */
export function personaContrasts(rows: readonly AnalysisRow[], opts: ContrastOptions): PersonaContrast[] {
  const alpha = opts.alpha ?? 0.05, B = opts.bootstrap ?? 0, seed = opts.seed ?? 1;
  const byPersona = new Map<string, AnalysisRow[]>();
  for (const r of rows) {
    let xs = byPersona.get(r.persona);
    if (!xs) byPersona.set(r.persona, (xs = []));
    xs.push(r);
  }
  const cRows = byPersona.get(opts.control) ?? [];
  const controlByCell = new Map<string, AnalysisRow[]>();
  for (const r of cRows) {
    const k = cellOf(r);
    const xs = controlByCell.get(k);
    if (xs) xs.push(r); else controlByCell.set(k, [r]);
  }
  const personas = [...byPersona.keys()].filter((p) => p !== opts.control).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const raw = personas.map((persona) => {
    const pRows = byPersona.get(persona)!;
    const group = pRows[0].personaGroup;
    const pairs = pairsFor(pRows, controlByCell);
    return pairs.length > 0 && pairs.length >= PAIRED_SHARE * pRows.length
      ? paired(persona, group, pairs, alpha)
      : twoSample(persona, group, pRows, cRows, alpha, B, seed);
  });
  const ph = holm(raw.map((c) => c.p)), pb = benjaminiHochberg(raw.map((c) => c.p));
  return raw.map((c, i) => ({ ...c, pHolm: ph[i], pBH: pb[i], significant: ph[i] < alpha }));
}
