/** Observed vs expected, pair by pair, with the reason for every difference. */
import { formatIp } from '../net/ipv4.ts';
import type { Plan } from '../plan/types.ts';
import { pairs, type Prediction } from '../predict/predict.ts';
import { pairs6 } from '../predict/family6.ts';
import { REASON_TEXT, type Reach, type Reason } from '../predict/reasons.ts';
import type { Probed, SourceResult } from './probe.ts';
import type { FailKind } from './script.ts';

/** Why a pair was not observed: its source could not probe, or its target container is not there. */
function unobserved(to: string, src: SourceResult | undefined, probed: Probed): { reason: Reason; why: string } | null {
  if (src?.error) return { reason: src.error.reason, why: src.error.detail };
  const target = to.replace(/#6$/, '');
  if (probed.down.has(hostOf(target)) && target.includes('/'))
    return {
      reason: 'engine-down',
      why: `${hostOf(target)}'s Docker engine does not answer: ${probed.down.get(hostOf(target))}`,
    };
  if (probed.missing.has(target)) return { reason: 'missing', why: `${target} does not exist (mvnet apply makes it)` };
  if (probed.stopped.has(target)) return { reason: 'not-running', why: `${target} is not running` };
  return null;
}

export interface PairResult {
  from: string;
  to: string;
  expected: Reach;
  actual: Reach;
  reason: Reason;
  why: string;
  match: boolean;
  /** lost first attempts before the reply (ARP warm-up) */
  retries?: number;
  /** a LAN device is one end */
  device?: boolean;
  /** 6: over IPv6 */
  family?: 6;
  /** link-down: the host cut off the LAN */
  cut?: string;
}

export interface Comparison {
  pairs: PairResult[];
  mismatches: number;
  /** pairs whose fast answer differed from the prediction and were probed again with the full budget */
  rechecked?: number;
}

const KIND: Record<FailKind, Reason> = {
  noarp: 'no-arp-reply',
  noicmp: 'no-icmp-reply',
  nogw: 'no-gateway',
  noroute: 'no-route',
};

function hostOf(id: string): string {
  return id.split('/')[0];
}

export function compare(plan: Plan, pred: Prediction, probed: Probed, only?: Set<string>): Comparison {
  // parents without carrier, seen from the hosts' own namespaces
  const cut = new Map<string, string>();
  for (const h of plan.hosts) {
    const src = probed.sources.get(h.name);
    const parents = new Set([h.interface, ...h.networks.map((n) => n.parent)]);
    for (const l of src?.links ?? []) if (parents.has(l.name) && !l.carrier) cut.set(h.name, l.name);
  }
  // containers (HOST/NAME) on two different hosts: their frames cross the switch with the containers' own MACs
  const macvlanAcross = (a: string, b: string) => a.includes('/') && b.includes('/') && hostOf(a) !== hostOf(b);
  const out: PairResult[] = [];
  for (const p of [...pairs(pred), ...pairs6(plan, pred)]) {
    // an IPv6 pair's target is its id with #6 (its address: the IPv6 twin)
    const target = p.family ? `${p.to}#6` : p.to;
    if (only && !only.has(`${p.from}>${target}`)) continue;
    const src = probed.sources.get(p.from);
    const line = src?.results.get(target);
    const actual: Reach = line?.ok ? 'reachable' : 'unreachable';
    const base = { from: p.from, to: p.to, ...(p.family ? { family: p.family } : {}), expected: p.expected, actual };
    // a pair whose source could not probe, or whose container is not there, was not observed: never a match
    const unseen = unobserved(p.to, src, probed);
    if (unseen) {
      out.push({ ...base, actual: 'unreachable', ...unseen, match: false, device: p.device });
      continue;
    }
    if (actual === p.expected) {
      out.push({ ...base, reason: p.reason, why: p.why, match: true, retries: line?.retries, device: p.device });
      continue;
    }
    let reason: Reason, why: string, cutHost: string | undefined;
    if (actual === 'reachable') {
      reason = 'unexpected-reach';
      why = `it answered, but the prediction says ${p.reason}: ${p.why}`;
    } else if (probed.drifted.has(p.to) || probed.drifted.has(p.from)) {
      const id = probed.drifted.has(p.to) ? p.to : p.from;
      const planned = plan.containers.find((c) => c.id === id);
      reason = 'address-drift';
      why =
        `${id}'s live address is ${probed.drifted.get(id)} ` +
        `where the plan says ${planned ? formatIp(planned.ip) : '?'} ` +
        '(changed by hand; mvnet apply repairs it)';
    } else if (cut.has(hostOf(p.from)) || cut.has(hostOf(p.to))) {
      const h = cut.has(hostOf(p.from)) ? hostOf(p.from) : hostOf(p.to);
      reason = 'link-down';
      why = `${h}'s ${cut.get(h)} has no carrier: the host is cut off the LAN`;
      cutHost = h;
    } else if (line?.kind) {
      reason = KIND[line.kind];
      why = `${REASON_TEXT[reason]}${line.hop && line.hop !== '-' ? ` (next hop ${line.hop})` : ''}`;
      if (reason === 'no-arp-reply' && p.reason === 'over-lan' && macvlanAcross(p.from, p.to)) {
        why +=
          '; the ARP request left a macvlan address across the LAN: a switch that drops frames from MACs that ' +
          "are not the host's own (port security, VMware forged transmits, clouds, Wi-Fi) does exactly this — " +
          `mvnet check -f ${plan.file} tests the LAN`;
      }
    } else {
      reason = 'no-arp-reply';
      why = 'no result came back from the probe';
    }
    out.push({ ...base, reason, why, match: false, device: p.device, ...(cutHost ? { cut: cutHost } : {}) });
  }
  const sources = [...probed.sources.values()];
  const twoPass = sources.some((x) => x.fastAgreed !== undefined);
  const fast = sources.reduce((n, x) => n + (x.fastAgreed ?? 0), 0);
  const probedPairs = sources.reduce((n, x) => n + (x.error ? 0 : x.results.size), 0);
  return {
    pairs: out,
    mismatches: out.filter((x) => !x.match).length,
    rechecked: twoPass ? probedPairs - fast : undefined,
  };
}
