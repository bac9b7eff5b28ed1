/** The self-contained HTML report (filled in below). Pure. */
import type { Plan } from '../plan/types.ts';
import type { Comparison } from '../probe/compare.ts';

export function htmlReport(_plan: Plan, _c: Comparison, o: { title: string; ms: number }): string {
  return `<!doctype html><title>${o.title}</title>`;
}
