#!/bin/sh
# Runs in the qemu guest (test/kernel-esp/run.sh test/kernel-esp/guest-xfrm.sh, from the repository
# root, after `npm run build`): namespaces A and B joined by veth, a subnet behind each side on lo
# (IPv4 and IPv6), an empty namespace C for the install-rate bench; then one node process drives
# XfrmBackend in all of them (dist/test/dataplane/kernel-guest/main.js), and another runs the daemon
# cases in A and B (ikets --dataplane kernel against charon and against ikets:
# dist/test/dataplane/kernel-guest/daemon-main.js); both print KXFRM-* lines.
# KXFRM_PART=backend|daemon runs only one of the two (development).
set -e
read up _ < /proc/uptime; echo "KXFRM-BOOT {\"uptime\":$up,\"kernel\":\"$(uname -r)\"}"
ip netns add A; ip netns add B; ip netns add C
ip link add vA netns A type veth peer name vB netns B
ip -n A -batch - <<EOC
link set lo up
link set vA up
addr add 192.168.99.1/24 dev vA
addr add fd00:99::1/64 dev vA nodad
addr add 10.1.0.1/32 dev lo
addr add fd00:1::1/128 dev lo nodad
route add 10.2.0.0/24 via 192.168.99.2 src 10.1.0.1
route add fd00:2::/64 via fd00:99::2 src fd00:1::1
EOC
ip -n B -batch - <<EOC
link set lo up
link set vB up
addr add 192.168.99.2/24 dev vB
addr add fd00:99::2/64 dev vB nodad
addr add 10.2.0.1/32 dev lo
addr add fd00:2::1/128 dev lo nodad
route add 10.1.0.0/24 via 192.168.99.1 src 10.2.0.1
route add fd00:1::/64 via fd00:99::1 src fd00:2::1
EOC
ip -n C link set lo up
rc=0
if [ "${KXFRM_PART:-all}" != daemon ]; then node dist/test/dataplane/kernel-guest/main.js || rc=1; fi
if [ "${KXFRM_PART:-all}" != backend ] && [ "${KXFRM_BENCH_ONLY:-0}" != 1 ]; then
  node dist/test/dataplane/kernel-guest/daemon-main.js || rc=1
fi
exit $rc
