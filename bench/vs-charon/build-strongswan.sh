#!/bin/sh
# Builds strongSwan's charon with the load-tester plugin, once, from Debian's source package of the
# installed strongSwan (docs/benchmarks.md, "Side by side with charon"). Debian does not ship the
# load-tester plugin, which is both the load generator and the fake kernel interface of the benchmark.
#
#   bench/vs-charon/build-strongswan.sh        prints the install prefix (building it first if needed)
#
# Cache: $IKETS_BENCH_CACHE (default /var/cache/ikets-bench), outside the repository:
#   src/            apt-get source output (strongswan-<upstream>/, the .dsc and tarballs)
#   strongswan-<upstream>/   install prefix: libexec/ipsec/charon, lib/ipsec/plugins/, sbin/swanctl
#   strongswan-<upstream>/.built-<debian version>   stamp: present = done, nothing is rebuilt
# Needs root (apt-get) the first time. The build runs under `nice` with `make -j2`: about 10 minutes
# of two cores. Progress goes to stderr (the build log to $CACHE/build.log), the prefix to stdout.
set -eu

CACHE=${IKETS_BENCH_CACHE:-/var/cache/ikets-bench}
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

# The same Debian version as the installed charon, so the two compare like with like.
DEBVER=$(dpkg-query -W -f='${Version}' libstrongswan 2>/dev/null || true)
if [ -z "$DEBVER" ]; then
	echo "libstrongswan is not installed (test/interop/harness/install-packages.sh)" >&2
	exit 1
fi
UPSTREAM=${DEBVER%%-*}
UPSTREAM=${UPSTREAM#*:}
PREFIX=$CACHE/strongswan-$UPSTREAM

# --disable-defaults: only the plugins the benchmark loads, and IKEv1 (which the defaults would have
# brought). The crypto comes from the openssl plugin (as for Debian's charon with its default plugin
# order, OpenSSL does the DH and the ciphers), X25519 from openssl too (curve25519 is built as the
# fallback). kernel-netlink provides the kernel-net interface the load-tester depends on (addresses,
# routes); load-tester's fake_kernel takes the kernel-ipsec slot, so no SA or policy reaches the
# kernel. The PID file stays in /var/run (each instance runs with its own tmpfs there, as the
# interop harness does).
OPTIONS="--disable-defaults --enable-charon --enable-ikev1 --enable-swanctl --enable-vici
	--enable-load-tester --enable-openssl --enable-curve25519 --enable-random --enable-nonce
	--enable-pem --enable-pkcs1 --enable-pkcs8 --enable-x509 --enable-pubkey --enable-kdf
	--enable-kernel-netlink --enable-socket-default"
# The stamp names the Debian version and the options: changing either builds again.
STAMP=$PREFIX/.built-$DEBVER-$(echo "$OPTIONS" | md5sum | cut -c1-8)
if [ -f "$STAMP" ]; then
	echo "$PREFIX"
	exit 0
fi
say() { echo "build-strongswan: $*" >&2; }

# A deb-src entry for `apt-get source` (Debian 12 images ship binary entries only).
if [ -z "$(apt-cache showsrc strongswan 2>/dev/null | head -1)" ]; then
	say "adding /etc/apt/sources.list.d/ikets-bench-deb-src.sources"
	cat >/etc/apt/sources.list.d/ikets-bench-deb-src.sources <<'SRC'
# Added by ikets' side-by-side benchmark (docs/benchmarks.md): source packages for `apt-get source`.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	apt-get update -qq
fi

# Only what this configuration compiles: a C toolchain, OpenSSL's headers, dpkg-source.
missing=""
for pkg in gcc make pkg-config libssl-dev dpkg-dev; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	say "installing$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2
fi

SRC=$CACHE/src/strongswan-$UPSTREAM
if [ ! -f "$SRC/.unpacked-$DEBVER" ]; then
	say "apt-get source strongswan=$DEBVER"
	rm -rf "$CACHE/src"
	mkdir -p "$CACHE/src"
	(cd "$CACHE/src" && apt-get source -qq "strongswan=$DEBVER" >&2)
	touch "$SRC/.unpacked-$DEBVER"
fi

say "configuring and building in $SRC (log: $CACHE/build.log)"
cd "$SRC"
{
	# shellcheck disable=SC2086
	nice -n 19 ./configure --prefix="$PREFIX" --sysconfdir="$PREFIX/etc" $OPTIONS
	nice -n 19 make -j2
	make install
} >"$CACHE/build.log" 2>&1 || {
	tail -30 "$CACHE/build.log" >&2
	exit 1
}
rm -f "$PREFIX"/.built-*
touch "$STAMP"
say "done: $PREFIX"
echo "$PREFIX"
