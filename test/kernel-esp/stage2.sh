#!/bin/sh
# PID 1 in the guest rootfs (run.sh copies it into the run dir = /kesp). Runs /kesp/test.sh with the
# args from /kesp/args; output to the serial console and /kesp/out/log, exit status to /kesp/out/rc;
# then powers off (sysrq 'o': needs no binary from the rootfs).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LANG=C.UTF-8
[ -f /kesp/env ] && . /kesp/env
mkdir -p /kesp/out
read up _ < /proc/uptime
echo "KESP: guest up at ${up}s, kernel $(uname -r)"
# Preload (in the background, one modprobe process) the modules an ESP test needs: loading them
# on demand costs ~5 s under TCG at the first `ip xfrm state add` (crypto self-tests, drbg,
# jitterentropy). KESP_PRELOAD="" (run.sh --env) disables; the test can `wait` for nothing: the
# kernel serialises a concurrent request_module of the same module.
: "${KESP_PRELOAD=veth xfrm_user esp4 esp6 xfrm4_tunnel xfrm6_tunnel tunnel4 tunnel6 ip6_tunnel authenc echainiv seqiv gcm ghash_generic ctr drbg jitterentropy_rng ah4 ah6 des_generic chacha20poly1305 xcbc sha512_generic}"
[ -n "$KESP_PRELOAD" ] && modprobe -a $KESP_PRELOAD 2>/dev/null &
eval "set -- $(cat /kesp/args 2>/dev/null)"
( /bin/sh /kesp/test.sh "$@"; echo $? > /kesp/out/rc ) 2>&1 | tee /kesp/out/log
read up _ < /proc/uptime
echo "KESP: test done at ${up}s, rc=$(cat /kesp/out/rc 2>/dev/null)"
sync
echo o > /proc/sysrq-trigger
while :; do read _ < /proc/uptime; done
