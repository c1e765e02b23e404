#!/usr/bin/env bash
# tooling/peers/install.sh [--check] [--list] [profile...]
#
# Installs the Debian packages that serve as real peers in @stack's peer
# tests (see PEERS.md / DESIGN.md "Testing, ring 4"). Idempotent: asks
# dpkg-query what is missing, runs `apt-get update` only when something is,
# installs non-interactively and says what it did. Nothing installed by hand
# survives to CI, so CI calls this script.
#
# Profiles (default: base):
#   base  iproute2 iputils-ping arping tcpdump tshark netcat-openbsd socat nftables python3-scapy
#   tcp   curl iperf3
#   dns   python3-dnspython dnsutils knot-dnsutils ldnsutils dnsperf nsd knot
#   dhcp  dnsmasq-base isc-dhcp-client udhcpc kea-admin busybox-static
#   ovs   openvswitch-switch openvswitch-testcontroller python3-os-ken
#   qemu  qemu-system-x86 busybox-static
#   all   every profile above
#
# Options:
#   --check  only report; exit 1 when something is missing (installs nothing, root not needed)
#   --list   print the profiles and their packages
#
# Daemons that packages would start on install (nsd, knot, openvswitch, ...)
# are kept from starting with a temporary /usr/sbin/policy-rc.d (exit 101),
# removed again afterwards: tests start their peers themselves, inside their
# own network namespaces. wireshark-common/install-setuid is preseeded false.
set -euo pipefail

declare -A PROFILE=(
  [base]="iproute2 iputils-ping arping tcpdump tshark netcat-openbsd socat nftables python3-scapy"
  [tcp]="curl iperf3"
  [dns]="python3-dnspython dnsutils knot-dnsutils ldnsutils dnsperf nsd knot"
  [dhcp]="dnsmasq-base isc-dhcp-client udhcpc kea-admin busybox-static"
  [ovs]="openvswitch-switch openvswitch-testcontroller python3-os-ken"
  [qemu]="qemu-system-x86 busybox-static"
)
ORDER=(base tcp dns dhcp ovs qemu)

say() { echo "peers/install: $*"; }
die() { echo "peers/install: error: $*" >&2; exit 1; }

CHECK=0
PROFILES=()
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    --list)
      for p in "${ORDER[@]}"; do printf '%-5s %s\n' "$p" "${PROFILE[$p]}"; done
      printf '%-5s %s\n' all "(all of the above)"
      exit 0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    all) PROFILES+=("${ORDER[@]}") ;;
    -*) die "unknown option '$arg' (try --help)" ;;
    *) [[ -n "${PROFILE[$arg]:-}" ]] || die "unknown profile '$arg'; profiles: ${ORDER[*]} all"
       PROFILES+=("$arg") ;;
  esac
done
[[ ${#PROFILES[@]} -gt 0 ]] || PROFILES=(base)

command -v dpkg-query >/dev/null || die "dpkg-query not found: this installer is for Debian (PEERS.md: Debian 12)"

# Wanted packages, each once, in profile order.
declare -A SEEN=()
WANTED=()
for p in "${PROFILES[@]}"; do
  for pkg in ${PROFILE[$p]}; do
    [[ -n "${SEEN[$pkg]:-}" ]] && continue
    SEEN[$pkg]=1
    WANTED+=("$pkg")
  done
done

missing() {
  local pkg status
  for pkg in "${WANTED[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [[ "$status" == "installed" ]] || echo "$pkg"
  done
}

mapfile -t MISSING < <(missing)
if [[ ${#MISSING[@]} -eq 0 ]]; then
  say "profiles [${PROFILES[*]}]: all ${#WANTED[@]} packages already installed, nothing to do"
  exit 0
fi
say "profiles [${PROFILES[*]}]: missing ${#MISSING[@]} of ${#WANTED[@]}: ${MISSING[*]}"
if [[ $CHECK -eq 1 ]]; then exit 1; fi

[[ $(id -u) -eq 0 ]] || die "must run as root to install packages (try: sudo $0 ${PROFILES[*]})"
command -v apt-get >/dev/null || die "apt-get not found"

# Keep daemons from starting during installation (standard Debian mechanism).
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
cleanup() {
  if [[ $CREATED_POLICY -eq 1 ]]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [[ ! -e "$POLICY" ]]; then
  printf '#!/bin/sh\n# temporary, from @stack tooling/peers/install.sh\nexit 101\n' >"$POLICY"
  chmod 755 "$POLICY"
  CREATED_POLICY=1
fi

export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections \
  || die "debconf-set-selections failed"

APT_OPTS=(-y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
say "apt-get update"
apt-get "${APT_OPTS[@]:1}" update || die "apt-get update failed (exit $?)"
say "apt-get install ${MISSING[*]}"
apt-get "${APT_OPTS[@]}" install "${MISSING[@]}" || die "apt-get install failed (exit $?)"

mapfile -t STILL < <(missing)
[[ ${#STILL[@]} -eq 0 ]] || die "still missing after apt-get install: ${STILL[*]}"
say "installed ${#MISSING[@]} packages: ${MISSING[*]}"
