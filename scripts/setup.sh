#!/usr/bin/env bash
# Installs what mvnet, its lab and its tests need on Debian, only when missing. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v dockerd >/dev/null || need+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx arping || need+=(busybox-static)
command -v node >/dev/null || need+=(nodejs npm)
command -v ip >/dev/null || need+=(iproute2)
command -v ping >/dev/null || need+=(iputils-ping)
command -v nsenter >/dev/null || need+=(util-linux)
command -v chromium >/dev/null || need+=(chromium)
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v etcd >/dev/null || need+=(etcd-server)
command -v ssh >/dev/null || need+=(openssh-client)
[ -x /usr/sbin/sshd ] || need+=(openssh-server)
command -v openssl >/dev/null || need+=(openssl)
command -v tmux >/dev/null || need+=(tmux)   # the tests look at the CLI in a real terminal
engines=0
[ "${1:-}" = "--engines" ] && engines=1
[ "$engines" = 1 ] && ! command -v debootstrap >/dev/null && need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # packages install without starting services (no sshd on this machine's port 22): only the lab runs sshd
  made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  if [ "$made_policy" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# the compiled CLI (dist/): bin/mvnet runs it, and falls back to the TypeScript sources only when they are newer
npm run --silent build

# --engines: the lab's newer Docker engines, root file systems built once (debootstrap) and reused:
# Debian trixie's docker.io (26) and sid's (28). This machine's own docker.io is the third (20.10).
if [ "$engines" = 1 ]; then
  dir=${MVNET_ENGINES_DIR:-/var/lib/mvnet/engines}
  mirror=${MVNET_DEBIAN_MIRROR:-http://deb.debian.org/debian}
  mkdir -p "$dir"
  pids=()
  for suite in trixie sid; do
    [ -f "$dir/$suite/.mvnet-complete" ] && continue
    echo "setup: building the $suite engine in $dir/$suite (debootstrap, a minute or two)"
    (
      rm -rf "$dir/$suite.partial"
      debootstrap --variant=minbase --include=docker.io,iproute2,iptables,ca-certificates "$suite" "$dir/$suite.partial" "$mirror" \
        > "$dir/$suite.log" 2>&1 || { echo "setup: debootstrap $suite failed, see $dir/$suite.log"; exit 1; }
      chroot "$dir/$suite.partial" dpkg-query -W -f '${Version}' docker.io > "$dir/$suite.partial/.mvnet-complete"
      rm -rf "$dir/$suite"
      mv "$dir/$suite.partial" "$dir/$suite"
    ) &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
fi
