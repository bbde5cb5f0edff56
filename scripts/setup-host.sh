#!/usr/bin/env bash
# Prepares a Debian 12 (or NixOS) host, as root, for nixlxc. What it changes,
# all of it (the README's "What the setup changes" says the same):
#   - Debian packages: PACKAGES below (with --test-tools, TEST_PACKAGES too);
#   - root's subordinate ids in /etc/subuid and /etc/subgid, if not there;
#   - /etc/nix/nix.conf: `build-users-group =`, only where no nixbld group
#     exists (a single-user Nix, as Debian's nix-bin is, builds as root);
#   - /usr/local: nixlxc, its man page and completions (make install), and
#     nixlxc.service enabled, on hosts that boot with systemd.
# Settings only the tests and the demo need (no sandbox, no binary cache)
# are not written: they set them for their own runs (NIX_CONFIG).
# Idempotent: running it again changes nothing.
#
#   bash scripts/setup-host.sh [--test-tools]
set -euo pipefail

die() { echo "setup-host: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root"

# Root's subordinate ids: 65536 per container, enough for 1000 containers,
# starting at 100000 as nixcloud-container did.
SUBID_START=${NIXLXC_SUBID_START:-100000}
SUBID_COUNT=${NIXLXC_SUBID_COUNT:-65536000}
# The NixOS module's default start (services.nixlxc.subIdStart).
SAFE_SUBID_START=1879048192

PACKAGES=(lxc lxc-dev uidmap busybox-static nix-bin nftables iproute2 make gcc pkg-config ca-certificates git systemd patchelf)
# What scripts/test.sh needs besides: man (man ./nixlxc.1), a YAML parser
# (list --format yaml read back), the shells whose completions are tested.
TEST_PACKAGES=(man-db python3-yaml zsh fish)

case "${1:-}" in
--test-tools) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
"") ;;
*) die "unknown argument $1 (usage: setup-host.sh [--test-tools])" ;;
esac

install_packages() {
	if [ -e /etc/NIXOS ]; then
		echo "setup-host: NixOS host: install lxc, nix and busybox through your configuration (see nixos/module.nix)"
		return
	fi
	local missing=()
	for p in "${PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "setup-host: installing ${missing[*]}"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
}

# covered FILE: is root's range [start, start+count) inside one line of FILE?
covered() {
	awk -F: -v s="$SUBID_START" -v c="$SUBID_COUNT" '
		$1 == "root" && $2 <= s && $2 + $3 >= s + c { found = 1 }
		END { exit !found }' "$1" 2>/dev/null
}

# overlaps FILE: other users whose subordinate ids overlap root's range could
# map them, and so reach containers' files. Debian's useradd gives users
# 65536 ids each from 100000 up to 600100000 (login.defs SUB_UID_MIN/MAX),
# NixOS gives normal users 100000 + N * 65536: the first user overlaps the
# default range. Said, not changed: the range is the one nixcloud used, and
# existing containers' files belong to it. The NixOS module starts root's
# range at 1879048192 (0x70000000), above both.
overlaps() {
	awk -F: -v s="$SUBID_START" -v c="$SUBID_COUNT" '
		$1 != "root" && $1 !~ /^#/ && NF == 3 && $2 < s + c && $2 + $3 > s { print $1 }' "$1" 2>/dev/null
}

setup_subids() {
	local f users
	for f in /etc/subuid /etc/subgid; do
		touch "$f"
		if ! covered "$f"; then
			echo "setup-host: adding root:$SUBID_START:$SUBID_COUNT to $f"
			echo "root:$SUBID_START:$SUBID_COUNT" >>"$f"
		fi
		users=$(overlaps "$f" | sort -u | tr '\n' ' ')
		if [ -n "$users" ]; then
			echo "setup-host: warning: in $f, ${users% }'s subordinate ids overlap root's $SUBID_START-$((SUBID_START + SUBID_COUNT - 1)): those users could reach containers' files (for new installations, NIXLXC_SUBID_START=$SAFE_SUBID_START puts root's range above every range useradd and NixOS give users, as the NixOS module does)" >&2
		fi
	done
}

# set_nix_option KEY VALUE: keep every other line of nix.conf as it is.
set_nix_option() {
	local conf=/etc/nix/nix.conf key=$1 value=$2
	if grep -Eq "^[[:space:]]*$key[[:space:]]*=[[:space:]]*$value[[:space:]]*$" "$conf"; then
		return
	fi
	local tmp
	tmp=$(mktemp "$conf.XXXXXX")
	grep -Ev "^[[:space:]]*$key[[:space:]]*=" "$conf" >"$tmp" || true
	echo "$key = $value" >>"$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$conf"
}

setup_nix() {
	if [ -e /etc/NIXOS ]; then
		return # nix.conf belongs to the NixOS configuration
	fi
	mkdir -p /etc/nix
	touch /etc/nix/nix.conf
	# No nixbld group (Debian's nix-bin makes none; nix-setup-systemd
	# does): Nix would refuse to build as root, its default group missing.
	# Root then builds as itself, sandboxed as usual.
	if ! getent group nixbld >/dev/null; then
		set_nix_option build-users-group ""
	fi
	mkdir -p /nix/store /nix/var/nix/profiles/per-container /nix/var/nix/gcroots/auto
	nix-store --init 2>/dev/null || true
}

check_go() {
	if ! command -v go >/dev/null; then
		[ -x /usr/local/go/bin/go ] || die "Go 1.22 or newer is needed (https://go.dev/dl), none found"
	fi
}

# On a host that boots with systemd, install nixlxc and its boot service so
# autostart containers start at boot (the NixOS module does this on NixOS).
install_service() {
	if [ -d /run/systemd/system ] && [ ! -e /etc/NIXOS ]; then
		echo "setup-host: installing nixlxc and nixlxc.service"
		PATH=/usr/local/go/bin:$PATH make -s -C "$(dirname "$0")/.." install-service
	fi
}

install_packages
setup_subids
setup_nix
check_go
install_service
echo "setup-host: ready"
