# scripts/lib.sh - shared set-up for the demo, the test suite and the bench.
#
# Sourced, not run.  Provides:
#   cfg_deps            install the Debian packages cfgmgr needs (apt-get), if missing
#   cfg_build_install   build with PGXS and install into the system PostgreSQL 15
#   cfg_cluster_start   initdb + start a throw-away cluster on a free local port
#                       (as the "postgres" OS user when run as root) and export
#                       PGHOST/PGPORT/PGUSER; the cluster is stopped and removed
#                       by an EXIT trap, on success and on failure alike
#   cfg_psql            psql with ON_ERROR_STOP against that cluster
#
# Works as root (CI, fresh machines) and as a normal user with sudo.

set -o pipefail

CFG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CFG_PKGS="make gcc libc6-dev postgresql-15 postgresql-server-dev-15 postgresql-contrib-15
          libyaml-dev libsodium-dev postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
          libipc-run-perl perl git"
CFG_EXTRA_PKGS=${CFG_EXTRA_PKGS:-}

cfg_log() { printf '==> %s\n' "$*" >&2; }
cfg_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
cfg_as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

cfg_deps() {
	local missing=() p
	for p in $CFG_PKGS $CFG_EXTRA_PKGS; do
		# postgresql-contrib-15 is a virtual name on Debian 12 (provided by postgresql-15)
		[ "$p" = postgresql-contrib-15 ] && continue
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		cfg_log "installing Debian packages: ${missing[*]}"
		if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
			cfg_die "packages missing (${missing[*]}) and neither root nor sudo is available"
		fi
		cfg_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
			|| cfg_die "apt-get update failed"
		cfg_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"${missing[@]}" >/dev/null || cfg_die "apt-get install failed"
	fi
	export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
	[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config)
	CFG_PGBIN=$("$PG_CONFIG" --bindir)
	export PATH="$CFG_PGBIN:$PATH"
}

cfg_build_install() {
	local flags=()
	[ "${CI:-}" = true ] && flags+=("CFGMGR_CFLAGS=-Werror ${CFGMGR_CFLAGS:-}")
	[ -n "${CFGMGR_CFLAGS:-}" ] && [ "${CI:-}" != true ] && flags+=("CFGMGR_CFLAGS=$CFGMGR_CFLAGS")
	[ -n "${CFGMGR_LDFLAGS:-}" ] && flags+=("CFGMGR_LDFLAGS=$CFGMGR_LDFLAGS")
	cfg_log "building cfgmgr"
	make -C "$CFG_ROOT" -s -j2 PG_CONFIG="$PG_CONFIG" "${flags[@]}" >/dev/null \
		|| cfg_die "build failed"
	cfg_log "installing cfgmgr into $("$PG_CONFIG" --pkglibdir)"
	cfg_as_root make -C "$CFG_ROOT" -s PG_CONFIG="$PG_CONFIG" "${flags[@]}" install >/dev/null \
		|| cfg_die "install failed"
}

# A free TCP port on the loopback interface.
cfg_free_port() {
	local p
	for p in $(seq $((54320 + RANDOM % 500)) 55999); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	cfg_die "no free local port"
}

# Run a command as the cluster's OS user.
cfg_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cfg_cluster_stop() {
	if [ -n "${CFG_TMP:-}" ] && [ -d "$CFG_TMP" ]; then
		if [ -f "$CFG_TMP/data/postmaster.pid" ]; then
			cfg_as_pg "$CFG_PGBIN/pg_ctl" -D "$CFG_TMP/data" -m fast -w stop >/dev/null 2>&1 \
				|| cfg_as_pg "$CFG_PGBIN/pg_ctl" -D "$CFG_TMP/data" -m immediate -w stop >/dev/null 2>&1
		fi
		[ -n "${CFG_KEEP_LOG:-}" ] && cp "$CFG_TMP/server.log" "$CFG_KEEP_LOG" 2>/dev/null
		rm -rf "$CFG_TMP"
	fi
	CFG_TMP=
}

# cfg_cluster_start [extra postgres -c settings...]
cfg_cluster_start() {
	CFG_TMP=$(mktemp -d /tmp/cfgmgr.XXXXXX)
	trap cfg_cluster_stop EXIT
	trap 'exit 130' INT TERM
	chmod 755 "$CFG_TMP"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$CFG_TMP"
	cfg_log "creating a throw-away cluster in $CFG_TMP"
	cfg_as_pg "$CFG_PGBIN/initdb" -D "$CFG_TMP/data" -A trust -U postgres -E UTF8 \
		--locale=C.UTF-8 --no-sync >"$CFG_TMP/initdb.log" 2>&1 \
		|| { cat "$CFG_TMP/initdb.log" >&2; cfg_die "initdb failed"; }
	local port opts="" s
	port=$(cfg_free_port)
	for s in "$@"; do opts="$opts -c $s"; done
	cfg_as_pg "$CFG_PGBIN/pg_ctl" -D "$CFG_TMP/data" -l "$CFG_TMP/server.log" -w -t 60 \
		-o "-p $port -k $CFG_TMP -c listen_addresses=127.0.0.1 $opts" start >/dev/null \
		|| { cat "$CFG_TMP/server.log" >&2; cfg_die "could not start the cluster"; }
	export PGHOST=$CFG_TMP PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	cfg_log "cluster running on 127.0.0.1:$port (socket in $CFG_TMP)"
}

cfg_psql() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}
