/**
 * `verify --sample K`: K pairs for every ordered pair of prediction groups (all of a pair when it has K or fewer),
 * so every kind of path the prediction tells apart is probed, at a cost that grows with the groups, not the
 * containers. Chosen at random from a seed (a small linear congruential generator), so a run can be repeated.
 */
import type { PairVerdict, Prediction } from './predict.ts';

function generator(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function samplePairs(p: Prediction, k: number, seed: number): (PairVerdict & { device: boolean })[] {
  const rand = generator(seed);
  const out: (PairVerdict & { device: boolean })[] = [];
  p.groups.forEach((a, i) =>
    p.groups.forEach((b, j) => {
      const v = p.verdict(i, j);
      if (!v) return;
      const device = a.kind === 'device' || b.kind === 'device';
      const total = a.members.length * b.members.length;
      const chosen = new Set<number>();
      const valid = (n: number) => a.members[Math.floor(n / b.members.length)] !== b.members[n % b.members.length];
      const possible = i === j ? total - a.members.length : total;
      if (possible <= k) {
        for (let n = 0; n < total; n++) if (valid(n)) chosen.add(n);
      } else {
        while (chosen.size < k) {
          const n = Math.floor(rand() * total);
          if (valid(n)) chosen.add(n);
        }
      }
      for (const n of [...chosen].sort((x, y) => x - y)) {
        out.push({
          from: a.members[Math.floor(n / b.members.length)],
          to: b.members[n % b.members.length],
          ...v,
          device,
        });
      }
    }),
  );
  return out;
}
