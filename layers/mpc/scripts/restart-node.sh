#!/bin/bash
# near-localnet mpc-restart: restarts the MPC node container on this host, and nothing else.
# Body of the stack-owned SSM Command document "<prefix>-mpc-restart" (layers/mpc/restart.ts), which takes
# no parameter. A fresh start of the node makes it submit its participant info (attestation) again: the
# node stops retrying 12 hours after its start (near/mpc 3.14.1 crates/node/src/tee/remote_attestation.rs).
# The container keeps the configuration the bootstrap gave it.
#
# Settings (environment; defaults for the instances, overridden by tests only):
#   WAIT_SECONDS   default 600: how long to wait for a cloud-init run still going on this boot (the
#                  bootstrap creates the container)
#   FRESH_SECONDS  default 600: a container started less than this ago is left alone (its attestation task
#                  has just begun)
#   STOP_SECONDS   default 30: docker restart's stop timeout
#   ROOT           optional prefix of absolute paths (tests)
# Output: one JSON line {"container","action":"restarted"|"just-started","startedAt"}; or, on failure,
# {"container","action":"failed","error"}. Exit 0 when the container runs afterwards, 1 otherwise.
set -euo pipefail

ROOT="${ROOT:-}"
WAIT_SECONDS="${WAIT_SECONDS:-600}"
FRESH_SECONDS="${FRESH_SECONDS:-600}"
STOP_SECONDS="${STOP_SECONDS:-30}"
C=mpc-node

log() { printf '[mpc-restart] %s\n' "$*" >&2; }
fail() {
  log "error: $1"
  printf '{"container":"%s","action":"failed","error":"%s"}\n' "$C" "${1//\"/\'}"
  exit 1
}
[[ "$WAIT_SECONDS" =~ ^[0-9]{1,5}$ && "$FRESH_SECONDS" =~ ^[0-9]{1,6}$ && "$STOP_SECONDS" =~ ^[0-9]{1,3}$ ]] \
  || fail "WAIT_SECONDS, FRESH_SECONDS and STOP_SECONDS must be whole numbers"

# The Go template, spelled without a double opening brace (SSM reads one as a parameter reference).
ob='{'
fmt="${ob}${ob}.State.Status}} ${ob}${ob}.State.StartedAt}}"

if [[ -d "${ROOT}/run/cloud-init" ]] && command -v cloud-init >/dev/null 2>&1 && ((WAIT_SECONDS > 0)); then
  log "waiting up to ${WAIT_SECONDS}s for cloud-init (the bootstrap) to finish"
  timeout "$WAIT_SECONDS" cloud-init status --wait >/dev/null 2>&1 || log "cloud-init did not finish cleanly; going on"
fi
command -v docker >/dev/null 2>&1 || fail "docker is not installed on this host"
state="$(docker container inspect -f "$fmt" "$C" 2>/dev/null)" \
  || fail "there is no container $C on this host (the MPC bootstrap has not created it)"
read -r status started <<<"$state"

action=restarted
started_s="$(date -u -d "$started" +%s 2>/dev/null || echo 0)"
if [[ "$status" == running ]] && (($(date -u +%s) - started_s < FRESH_SECONDS)); then
  action=just-started
  log "$C started at ${started}, less than ${FRESH_SECONDS}s ago: leaving it"
else
  log "restarting $C (${status} since ${started})"
  docker restart --time "$STOP_SECONDS" "$C" >/dev/null || fail "docker restart $C failed"
fi
state="$(docker container inspect -f "$fmt" "$C" 2>/dev/null)" || fail "$C disappeared during the restart"
read -r status started <<<"$state"
[[ "$status" == running ]] || fail "$C is ${status} after the restart"
printf '{"container":"%s","action":"%s","startedAt":"%s"}\n' "$C" "$action" "$started"
