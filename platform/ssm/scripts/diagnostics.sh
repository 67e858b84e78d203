#!/bin/bash
# near-localnet diagnostics: fixed, read-only probes of a node instance.
# Body of the stack-owned SSM Command document "<prefix>-diagnostics" (platform/ssm/documents.ts).
# Runs no command chosen by the caller: PROBE selects one of the cases below.
#
# Settings (environment variables; the document sets them from allowed-values parameters):
#   PROBE      containers | logs | near-status | near-health | mpc-health | mpc-metrics |
#              mpc-public-data | system | ops-bundles | mpc-bootstrap | sign-test-result | image-pins
#   CONTAINER  for "logs": neard | mpc-node | near-faucet (default neard)
#   LINES      for "logs" and "mpc-bootstrap": number of last lines, 1 to 999 (default 100)
#   OPS_DIR    optional, default /opt/near-localnet/ops
#   OPS_LOG_DIR     optional, default /var/log/near-localnet/ops (run-op's copy of each operation's
#                   last stdout; "sign-test-result" reads sign-test.stdout there)
#   CLOUD_INIT_LOG  optional, default /var/log/cloud-init-output.log ("mpc-bootstrap")
#   MPC_HOME        optional, default /srv/mpc/home (the MPC node's neard config.json)
#   OUTPUT_LIMIT  optional, default 20000 bytes of output (SSM returns 24000 characters)
#   ROOT       optional prefix of every absolute path (tests)
#
# Output: the probe's result on stdout (trimmed to OUTPUT_LIMIT bytes, keeping the end);
# exit 0 when the probe ran and the probed thing answered, 1 otherwise, 2 for a bad setting.
set -euo pipefail

ROOT="${ROOT:-}"
PROBE="${PROBE:-}"
CONTAINER="${CONTAINER:-neard}"
LINES="${LINES:-100}"
OPS_DIR="${OPS_DIR:-/opt/near-localnet/ops}"
OUTPUT_LIMIT="${OUTPUT_LIMIT:-20000}"
OPS_LOG_DIR="${OPS_LOG_DIR:-/var/log/near-localnet/ops}"
CLOUD_INIT_LOG="${CLOUD_INIT_LOG:-/var/log/cloud-init-output.log}"
MPC_HOME="${MPC_HOME:-/srv/mpc/home}"

die() { printf '[diagnostics] %s\n' "$2" >&2; exit "$1"; }

case "$CONTAINER" in
  neard | mpc-node | near-faucet) ;;
  *) die 2 "CONTAINER must be one of neard, mpc-node, near-faucet" ;;
esac
[[ "$LINES" =~ ^[1-9][0-9]{0,2}$ ]] || die 2 "LINES must be a number from 1 to 999"
[[ "$OUTPUT_LIMIT" =~ ^[0-9]+$ ]] || die 2 "OUTPUT_LIMIT must be a whole number"

# Go templates for docker, spelled so that no double opening brace appears in this file: SSM
# would read one as a document parameter reference.
ob='{'
tpl() { printf '%s%s%s}}' "$ob" "$ob" "$1"; }

# HTTP probe of a local endpoint: prints "HTTP <code>" then the body; fails when unreachable
# or when the status is not 2xx.
http_probe() {
  local url="$1" body code
  body="$(mktemp)"
  code="$(curl -s -m 5 -o "$body" -w '%{http_code}' "$url" || true)"
  printf 'GET %s -> HTTP %s\n' "$url" "${code:-000}"
  cat "$body"
  rm -f "$body"
  printf '\n'
  [[ "$code" =~ ^2[0-9][0-9]$ ]]
}

limit() { tail -c "$OUTPUT_LIMIT"; }

# Text read from logs passes redact (platform/host/scripts/redact.sh: secret-shaped strings become
# markers) before it becomes command output; the diagnostics document includes that library ahead
# of this body, and a run from the repository sources it.
# shellcheck source=platform/host/scripts/redact.sh
declare -F redact >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/redact.sh"

probe() {
  case "$PROBE" in
    containers)
      command -v docker >/dev/null 2>&1 || die 1 "docker is not installed"
      local ids
      ids="$(docker ps -aq)"
      printf 'name status restarts started image\n'
      if [[ -n "$ids" ]]; then
        # shellcheck disable=SC2086 # one argument per container id
        docker inspect --format "$(tpl .Name) $(tpl .State.Status) $(tpl .RestartCount) $(tpl .State.StartedAt) $(tpl .Config.Image)" $ids \
          | sed 's#^/##'
      fi
      ;;
    logs)
      command -v docker >/dev/null 2>&1 || die 1 "docker is not installed"
      docker logs --tail "$LINES" --timestamps "$CONTAINER" 2>&1 | redact
      ;;
    near-status) http_probe http://127.0.0.1:3030/status ;;
    near-health) http_probe http://127.0.0.1:3030/health ;;
    mpc-health) http_probe http://127.0.0.1:8080/health ;;
    mpc-public-data) http_probe http://127.0.0.1:8080/public_data ;;
    mpc-metrics)
      local metrics
      metrics="$(mktemp)"
      if ! curl -sf -m 5 -o "$metrics" http://127.0.0.1:8080/metrics; then
        rm -f "$metrics"
        die 1 "http://127.0.0.1:8080/metrics is not answering"
      fi
      # Only the series the driver reads (layers/mpc/probe.ts): /metrics is sorted by name and its per-peer
      # histograms outgrow the output limit once the network carries traffic, which would push these out.
      # near_block_height_head is the embedded neard's head (the node runs neard in-process).
      grep -E '^(mpc_indexer_latest_block_height|mpc_network_live_connections|near_block_height_head)(\{[^}]*\})? ' \
        "$metrics" || true
      rm -f "$metrics"
      ;;
    system)
      printf 'uptime: %s\n' "$(uptime)"
      df -h "${ROOT}/" 2>&1
      free -m 2>&1 || true
      ;;
    ops-bundles)
      ls -l "${ROOT}${OPS_DIR}" 2>&1 || die 1 "${OPS_DIR} does not exist"
      ;;
    mpc-bootstrap)
      # The MPC bootstrap's own log lines (never values of secrets: it names them only) and the
      # boot nodes its neard config.json holds now.
      local config="${ROOT}${MPC_HOME}/config.json" log="${ROOT}${CLOUD_INIT_LOG}" boot
      if [[ ! -f "$config" ]]; then
        printf 'boot_nodes -\n'
      elif boot="$(jq -r '.network.boot_nodes // ""' "$config" 2>/dev/null)"; then
        printf 'boot_nodes %s\n' "${boot:--}"
      else
        printf 'boot_nodes ?\n'
      fi
      [[ -f "$log" ]] || die 1 "${CLOUD_INIT_LOG} does not exist"
      grep -F ' mpc-bootstrap: ' "$log" | tail -n "$LINES" | redact || true
      ;;
    image-pins)
      # The image digests this host pinned on first use (platform/host/scripts/image-pin.sh): lines
      # "KEY IMAGE sha256:<digest>" from run-op's record and the bootstraps' records on the volumes.
      local f
      for f in /var/lib/near-localnet/image-pins /srv/near/.image-pins /srv/mpc/bootstrap/image-pins; do
        [[ ! -f "${ROOT}${f}" ]] || cat "${ROOT}${f}"
      done
      ;;
    sign-test-result)
      # The last line run-op kept of the last sign-test run: its result line once it finished.
      local out="${ROOT}${OPS_LOG_DIR}/sign-test.stdout"
      [[ -f "$out" ]] || die 1 "no sign test has run on this instance (${OPS_LOG_DIR}/sign-test.stdout is missing)"
      printf 'modified %s\n' "$(date -u -r "$out" +%Y-%m-%dT%H:%M:%SZ)"
      tail -n 1 "$out"
      ;;
  esac
}

case "$PROBE" in
  containers | logs | near-status | near-health | mpc-health | mpc-metrics | mpc-public-data | system | ops-bundles | mpc-bootstrap | sign-test-result | image-pins) ;;
  *) die 2 "PROBE must be one of containers, logs, near-status, near-health, mpc-health, mpc-metrics, mpc-public-data, system, ops-bundles, mpc-bootstrap, sign-test-result, image-pins" ;;
esac

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
rc=0
( probe ) >"$out" || rc=$?
limit <"$out"
exit "$rc"
