/** Reason codes for reachability results, shared by predict and verify. */

export type Reach = 'reachable' | 'unreachable';

export type Reason =
  | 'same-host-bridge'
  | 'over-lan'
  | 'vepa-hairpin'
  | 'via-shim'
  | 'via-router'
  | 'routed-segment'
  | 'routed-by-host'
  | 'parent-isolation'
  | 'private-mode'
  | 'vepa-no-hairpin'
  | 'vlan-mismatch'
  | 'passthru-takes-parent'
  | 'foreign-mac-dropped'
  | 'no-gateway'
  | 'no-route'
  | 'no-route-back'
  | 'no-forwarding'
  | 'link-down'
  | 'engine-down'
  | 'no-arp-reply'
  | 'no-icmp-reply'
  | 'not-running'
  | 'missing'
  | 'address-drift'
  | 'unexpected-reach';

export interface Verdict {
  expected: Reach;
  reason: Reason;
  /** one line a person can read */
  why: string;
}

export const REASON_TEXT: Record<Reason, string> = {
  'same-host-bridge': 'same host and parent in bridge mode: the macvlan driver switches the frame inside the host',
  'over-lan': 'the frame crosses the LAN between two parent interfaces',
  'vepa-hairpin': 'VEPA sends the frame to the LAN switch, which reflects it back (hairpin)',
  'via-shim': 'the host reaches the macvlan network through its shim interface',
  'via-router': 'the router on the LAN forwards between the networks',
  'routed-segment': "the host's own segment of the routed network (a bridge holding this host and its containers)",
  'routed-by-host':
    "routed network: the hosts forward, each host's range is routed through that host's LAN address; " +
    "the LAN only sees the hosts' own MACs",
  'parent-isolation': 'a macvlan child and its own parent interface cannot talk directly (kernel rule)',
  'private-mode': 'private mode forbids macvlan children of one parent to talk to each other',
  'vepa-no-hairpin': 'VEPA sends the frame to the LAN switch, which does not reflect it back (no hairpin)',
  'vlan-mismatch': 'the two ends are on different VLANs',
  'passthru-takes-parent': 'a passthru macvlan takes over its parent: the host address on it no longer answers',
  'foreign-mac-dropped':
    "the LAN switch drops frames whose source MAC is not the host's own (port security, VMware " +
    'forged transmits, cloud networks): a macvlan address cannot cross the LAN (mvnet check tests a real LAN)',
  'no-gateway':
    'the destination is outside the subnet and no device answers at the gateway (Destination Host Unreachable)',
  'no-route': 'the sender has no route to the destination',
  'no-route-back': 'the reply has no route back to the sender',
  'no-forwarding': 'the packet reaches a host that does not forward it (a host is not a router)',
  'link-down': 'a host is cut off the LAN',
  'engine-down': 'the Docker engine of a host does not answer',
  'no-arp-reply': 'no ARP answer: layer 2 does not reach the destination',
  'no-icmp-reply': 'ARP answered but no ICMP echo reply came back',
  'not-running': 'the container is not running',
  missing: 'the container does not exist',
  'address-drift': "the container's live address differs from the plan (changed by hand; mvnet apply repairs it)",
  'unexpected-reach': 'it answered although the prediction says it cannot',
};
