#!/bin/bash
# near-localnet run-op: runs one NEAR operation of the ops bundle on this instance.
# Body of the stack-owned SSM Command document "<prefix>-run-op" (platform/ssm/documents.ts).
#
# Settings (environment variables; the document sets the first five from its parameters,
# which SSM has already checked against strict allowedPatterns):
#   OPERATION       operation name, ^[a-z][a-z0-9-]{0,63}$; "faucet-start" (re)starts the
#                   detached faucet container instead of a one-shot run, "faucet-stop" removes the
#                   one that faucet-start started with the same bundle and payload (and no other)
#   PAYLOAD         base64 (standard alphabet) of a JSON object; never holds a key
#   BUNDLE_URI      s3://bucket/key of the ops bundle (dist/ops.mjs)
#   BUNDLE_SHA256   sha256 of the bundle; the bundle is kept as $OPS_DIR/<sha256>.mjs
#   NODE_IMAGE      container image with node (default node:22-slim): repository:tag, pinned on
#                   first use, or repository[:tag]@sha256:<digest>, checked after the pull
#   PIN_FILE        optional, default /var/lib/near-localnet/image-pins: tags pinned on first use
#   AWS_REGION      optional; else AWS_SSM_REGION_NAME (set by the SSM agent), else IMDSv2
#   OPS_DIR         optional, default /opt/near-localnet/ops
#   LOG_DIR         optional, default /var/log/near-localnet/ops (full stdout/stderr of the last
#                   finished run of each operation, <operation>.stdout/.stderr; a run writes its own
#                   .<operation>.<pid>.* files and moves them into place when it ends, so runs of
#                   the same operation at the same time do not mix their outputs)
#   STDOUT_LIMIT    optional, default 20000 bytes of stdout returned (SSM keeps 24000 characters)
#   STDERR_LIMIT    optional, default 6000 bytes of stderr returned (SSM keeps the FIRST 8000)
#   FAUCET_SETTLE_SECONDS  optional, default 5: how long a started faucet must stay up
#   DOCKER_WAIT_SECONDS    optional, default 600: how long to wait for cloud-init to finish (when
#                   it runs on this boot, i.e. /run/cloud-init exists) and for `docker info` to
#                   answer; the SSM agent is online before cloud-init has installed docker
#   LOCK_DIR        optional, default /run/lock/near-localnet: <operation>.lock, held for the whole run
#   ROOT            optional prefix of every absolute path (tests)
#
# Single flight: a run holds an exclusive lock on <operation>.lock (flock(1)) from here to its end,
# so a second run of the same operation (a re-sent command while the first still runs, e.g. after
# the sender was killed) waits for the first, then runs; the operations are idempotent, so it
# converges at once. A SIGKILLed run releases the lock as its processes die.
#
# Leftovers of a cancelled run: SSM cancels a command by killing its whole process group
# (SIGKILL), so no trap runs and the `docker run --rm` container of that run keeps going. Each
# one-shot container is labelled with its owner (this script's pid and that process's start
# time); before starting, the containers of the same operation whose owner is gone are removed,
# and so are their per-run log files. Containers of runs still going are left alone.
#
# Output: stdout carries only the ops bundle's JSON lines (or, when this script itself fails,
# one {"event":"result","ok":false,...} line); progress and diagnostics go to stderr.
# Exit code: the operation's exit code (0 ok, 1 failed, 2 malformed request); 1 when this
# script fails (download, checksum, docker), 2 when a setting is malformed.
set -euo pipefail

ROOT="${ROOT:-}"
OPS_DIR="${OPS_DIR:-/opt/near-localnet/ops}"
LOG_DIR="${LOG_DIR:-/var/log/near-localnet/ops}"
STDOUT_LIMIT="${STDOUT_LIMIT:-20000}"
STDERR_LIMIT="${STDERR_LIMIT:-6000}"
FAUCET_SETTLE_SECONDS="${FAUCET_SETTLE_SECONDS:-5}"
DOCKER_WAIT_SECONDS="${DOCKER_WAIT_SECONDS:-600}"
NODE_IMAGE="${NODE_IMAGE:-node:22-slim}"
CONTAINER_OPS_DIR="/opt/near-localnet/ops"
FAUCET_CONTAINER="near-faucet"
# The faucet's ledger lives on the base data volume (it outlives the container and the instance).
FAUCET_DATA_DIR="/srv/near/faucet"
CONTAINER_FAUCET_DATA_DIR="/var/lib/near-faucet"

log() { printf '[run-op] %s\n' "$*" >&2; }

json_escape() {
  local s="$1"
  s="${s//\\/\\\\}"
  s="${s//\"/\\\"}"
  s="${s//$'\n'/\\n}"
  s="${s//$'\r'/\\r}"
  s="${s//$'\t'/\\t}"
  printf '%s' "$s"
}

# fail <exit code> <CODE> <message>: one result line on stdout, the message on stderr.
fail() {
  local rc="$1" code="$2" message="$3"
  log "error ${code}: ${message}"
  printf '{"event":"result","ok":false,"operation":"%s","error":{"code":"%s","message":"%s"}}\n' \
    "$(json_escape "${OPERATION:-}")" "$code" "$(json_escape "$message")"
  exit "$rc"
}

# ---- settings ----------------------------------------------------------------------------
[[ "${OPERATION:-}" =~ ^[a-z][a-z0-9-]{0,63}$ ]] || fail 2 BAD_REQUEST "OPERATION must match ^[a-z][a-z0-9-]{0,63}$"
[[ -n "${PAYLOAD:-}" && "$PAYLOAD" =~ ^[A-Za-z0-9+/]+={0,2}$ && $(( ${#PAYLOAD} % 4 )) -eq 0 ]] \
  || fail 2 BAD_REQUEST "PAYLOAD must be standard base64 of a JSON object"
[[ "${BUNDLE_URI:-}" =~ ^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[A-Za-z0-9_./-]+$ ]] \
  || fail 2 BAD_REQUEST "BUNDLE_URI must be s3://<bucket>/<key>"
[[ "${BUNDLE_SHA256:-}" =~ ^[a-f0-9]{64}$ ]] || fail 2 BAD_REQUEST "BUNDLE_SHA256 must be 64 lower-case hex characters"
[[ "$NODE_IMAGE" =~ ^[a-z0-9][a-z0-9._/:@-]*$ ]] || fail 2 BAD_REQUEST "NODE_IMAGE is not an image reference"
[[ "$STDOUT_LIMIT" =~ ^[0-9]+$ && "$STDERR_LIMIT" =~ ^[0-9]+$ && "$FAUCET_SETTLE_SECONDS" =~ ^[0-9]+$ \
  && "$DOCKER_WAIT_SECONDS" =~ ^[0-9]{1,6}$ ]] \
  || fail 2 BAD_REQUEST "STDOUT_LIMIT, STDERR_LIMIT, FAUCET_SETTLE_SECONDS and DOCKER_WAIT_SECONDS must be whole numbers"

# ---- docker ----------------------------------------------------------------------------------
# Right after boot the SSM agent is online while cloud-init is still installing and starting
# docker: wait (within DOCKER_WAIT_SECONDS in all) for cloud-init to finish, then for the daemon.
deadline=$(( SECONDS + DOCKER_WAIT_SECONDS ))
if [[ -d "${ROOT}/run/cloud-init" ]] && command -v cloud-init >/dev/null 2>&1 && (( DOCKER_WAIT_SECONDS > 0 )); then
  log "waiting up to ${DOCKER_WAIT_SECONDS}s for cloud-init to finish"
  ci_rc=0
  ci="$(timeout "$DOCKER_WAIT_SECONDS" cloud-init status --wait 2>&1)" || ci_rc=$?
  ci="${ci##*$'\n'}"
  case "$ci_rc" in
    0) log "cloud-init finished (${ci})" ;;
    124) log "cloud-init still running after ${DOCKER_WAIT_SECONDS}s; going on" ;;
    *) log "cloud-init finished with exit code ${ci_rc} (${ci}); going on" ;;
  esac
fi
docker_up() { command -v docker >/dev/null 2>&1 && timeout 30 docker info >/dev/null 2>&1; }
if ! docker_up; then
  log "waiting up to $(( deadline > SECONDS ? deadline - SECONDS : 0 ))s for docker to answer"
  up=0
  while (( SECONDS < deadline )); do
    sleep 5
    if docker_up; then up=1; break; fi
  done
  if (( ! up )); then
    command -v docker >/dev/null 2>&1 \
      || fail 1 DOCKER_MISSING "docker is not installed on this instance (waited ${DOCKER_WAIT_SECONDS}s for cloud-init and docker)"
    fail 1 DOCKER_UNAVAILABLE "docker is installed but its daemon did not answer within ${DOCKER_WAIT_SECONDS}s (see systemctl status docker)"
  fi
  log "docker is up"
fi

# ---- region --------------------------------------------------------------------------------
region="${AWS_REGION:-${AWS_SSM_REGION_NAME:-}}"
if [[ -z "$region" ]]; then
  token="$(curl -sf -m 3 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \
    http://169.254.169.254/latest/api/token || true)"
  if [[ -n "$token" ]]; then
    region="$(curl -sf -m 3 -H "X-aws-ec2-metadata-token: ${token}" \
      http://169.254.169.254/latest/meta-data/placement/region || true)"
  fi
  unset token
fi
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || fail 1 REGION_UNKNOWN "cannot determine the AWS region (AWS_REGION, AWS_SSM_REGION_NAME, IMDS)"

# ---- single flight ---------------------------------------------------------------------------
lock_dir="${ROOT}${LOCK_DIR:-/run/lock/near-localnet}"
install -d -m 0755 "$lock_dir"
exec 8>>"${lock_dir}/${OPERATION}.lock"
if ! flock -n 8; then
  holder="$(cat "${lock_dir}/${OPERATION}.lock" 2>/dev/null || true)"
  log "an earlier run of ${OPERATION} is still going on this instance (${holder:-unknown}); waiting for it to end"
  wait_started=$SECONDS
  flock 8
  log "the earlier run of ${OPERATION} ended after $(( SECONDS - wait_started ))s; running now"
fi
printf 'pid %s since %s\n' "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"${lock_dir}/${OPERATION}.lock"

# ---- bundle ----------------------------------------------------------------------------------
bundle_dir="${ROOT}${OPS_DIR}"
bundle="${bundle_dir}/${BUNDLE_SHA256}.mjs"
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

install -d -m 0755 "$bundle_dir"
if [[ -f "$bundle" && "$(sha_of "$bundle")" == "$BUNDLE_SHA256" ]]; then
  log "bundle ${BUNDLE_SHA256} already present"
else
  log "downloading ${BUNDLE_URI}"
  tmp="$(mktemp "${bundle_dir}/.download.XXXXXX")"
  if ! aws s3 cp --only-show-errors --region "$region" "$BUNDLE_URI" "$tmp" >&2; then
    rm -f "$tmp"
    fail 1 BUNDLE_DOWNLOAD_FAILED "cannot download ${BUNDLE_URI} (does the instance role allow s3:GetObject on it?)"
  fi
  got="$(sha_of "$tmp")"
  if [[ "$got" != "$BUNDLE_SHA256" ]]; then
    rm -f "$tmp"
    fail 1 BUNDLE_CHECKSUM_MISMATCH "${BUNDLE_URI} has sha256 ${got}, expected ${BUNDLE_SHA256}; refusing to run it"
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$bundle"
  log "bundle ${BUNDLE_SHA256} verified"
fi

# ---- image -----------------------------------------------------------------------------------
# image_pin (platform/host/scripts/image-pin.sh) pulls NODE_IMAGE and checks its digest; the run-op
# document includes that library ahead of this body, and a run from the repository sources it.
# shellcheck source=platform/host/scripts/image-pin.sh
declare -F image_pin >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/image-pin.sh"
# Container output handed back passes redact (platform/host/scripts/redact.sh), included likewise.
# shellcheck source=platform/host/scripts/redact.sh
declare -F redact >/dev/null || source "$(dirname "${BASH_SOURCE[0]}")/../../host/scripts/redact.sh"
pins="${ROOT}${PIN_FILE:-/var/lib/near-localnet/image-pins}"
run_image="$(image_pin opsImage "$NODE_IMAGE" "$pins" && printf '%s' "$REPLY")" ||
  fail 1 IMAGE_CHECK_FAILED "cannot run ${NODE_IMAGE}: its pull or digest check failed (image-pin lines above)"
log "image ${NODE_IMAGE} is ${run_image}"

container_bundle="${CONTAINER_OPS_DIR}/${BUNDLE_SHA256}.mjs"

# ---- faucet-start / faucet-stop: the long-running exception -------------------------------
if [[ "$OPERATION" == "faucet-start" || "$OPERATION" == "faucet-stop" ]]; then
  # The host's container-log options (the base bootstrap writes them: CloudWatch Logs, stream
  # base/near-faucet); without that file, local json-file logs. They are part of the spec, so a
  # change restarts the faucet.
  logging_file="${ROOT}/etc/near-localnet/docker-logging"
  if [[ -f "$logging_file" ]]; then
    mapfile -t log_opts <"$logging_file"
  else
    log_opts=(--log-opt max-size=10m --log-opt max-file=3)
  fi
  payload_sha="$(printf '%s' "$PAYLOAD" | sha256sum | cut -d' ' -f1)"
  logging_sha="$(printf '%s\n' "${log_opts[@]}" | sha256sum | cut -c1-16)"
  spec="${BUNDLE_SHA256}.${payload_sha}.${logging_sha}.${run_image}"
fi

# faucet-stop runs when the faucet's Pulumi step is deleted: on a destroy, and for the old step
# when a changed payload or bundle replaced it. The spec label tells the two apart: a container
# started from another payload or bundle belongs to the step that replaced this one.
if [[ "$OPERATION" == "faucet-stop" ]]; then
  if [[ -n "$(docker ps -aq --filter "name=^${FAUCET_CONTAINER}\$" --filter "label=near-localnet.spec=${spec}")" ]]; then
    log "removing ${FAUCET_CONTAINER}"
    docker rm -f "$FAUCET_CONTAINER" >/dev/null || fail 1 FAUCET_STOP_FAILED "docker rm of ${FAUCET_CONTAINER} failed"
    action="stopped"
  elif [[ -n "$(docker ps -aq --filter "name=^${FAUCET_CONTAINER}\$")" ]]; then
    log "${FAUCET_CONTAINER} runs another bundle or payload (a newer faucet step); leaving it"
    action="unchanged"
  else
    action="absent"
  fi
  printf '{"event":"result","ok":true,"operation":"faucet-stop","result":{"container":"%s","action":"%s"}}\n' \
    "$FAUCET_CONTAINER" "$action"
  exit 0
fi

if [[ "$OPERATION" == "faucet-start" ]]; then
  action="unchanged"
  running="$(docker ps -q --filter "name=^${FAUCET_CONTAINER}\$" --filter "label=near-localnet.spec=${spec}" --filter status=running)"
  if [[ -z "$running" ]]; then
    action="started"
    log "(re)starting ${FAUCET_CONTAINER}"
    docker rm -f "$FAUCET_CONTAINER" >/dev/null 2>&1 || true
    install -d -m 0700 "${ROOT}${FAUCET_DATA_DIR}"
    docker run -d --name "$FAUCET_CONTAINER" --restart unless-stopped --init --network host \
      --label "near-localnet.spec=${spec}" "${log_opts[@]}" \
      -e "AWS_REGION=${region}" -v "${bundle_dir}:${CONTAINER_OPS_DIR}:ro" \
      -v "${ROOT}${FAUCET_DATA_DIR}:${CONTAINER_FAUCET_DATA_DIR}" \
      "$run_image" node "$container_bundle" faucet "$PAYLOAD" >/dev/null \
      || fail 1 FAUCET_START_FAILED "docker run of ${FAUCET_CONTAINER} failed"
    sleep "$FAUCET_SETTLE_SECONDS"
    running="$(docker ps -q --filter "name=^${FAUCET_CONTAINER}\$" --filter status=running)"
    if [[ -z "$running" ]]; then
      { docker logs --tail 50 "$FAUCET_CONTAINER" 2>&1 || true; } | redact >&2
      fail 1 FAUCET_NOT_RUNNING "${FAUCET_CONTAINER} is not running ${FAUCET_SETTLE_SECONDS}s after its start (logs above)"
    fi
  else
    log "${FAUCET_CONTAINER} already runs this bundle and payload"
  fi
  printf '{"event":"result","ok":true,"operation":"faucet-start","result":{"container":"%s","action":"%s","bundleSha256":"%s","image":"%s"}}\n' \
    "$FAUCET_CONTAINER" "$action" "$BUNDLE_SHA256" "$(json_escape "$run_image")"
  exit 0
fi

# ---- one-shot operation ----------------------------------------------------------------------
log_dir="${ROOT}${LOG_DIR}"
install -d -m 0750 "$log_dir"

# proc_start <pid>: the process's start time (clock ticks after boot, /proc/<pid>/stat field 22),
# which tells a live owner from a later process that got the same pid; fails when none runs.
proc_start() {
  local stat rest fields
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${stat##*) }"
  read -r -a fields <<<"$rest"
  [[ -n "${fields[19]:-}" ]] || return 1
  printf '%s' "${fields[19]}"
}
# owner_alive <pid:start>
owner_alive() {
  local pid="${1%%:*}" start="${1#*:}" now
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  now="$(proc_start "$pid")" || return 1
  [[ "$now" == "$start" ]]
}

owner="$$:$(proc_start $$ || echo 0)"
name="near-op-${OPERATION}-$$"

# Containers of this operation left by a run that was killed (see the header). The Go template
# is assembled so that this file holds no double brace (SSM reads those as parameter references).
lb='{'
ps_format="${lb}${lb}.Names}} ${lb}${lb}.Label \"near-localnet.owner\"}}"
while read -r c_name c_owner; do
  [[ "$c_name" =~ ^near-op-${OPERATION}-[0-9]+$ ]] || continue
  if [[ -n "${c_owner:-}" ]] && owner_alive "$c_owner"; then
    log "${c_name} belongs to a run that is still going (pid ${c_owner%%:*}); leaving it"
    continue
  fi
  log "removing ${c_name}, left by a run that no longer exists"
  docker rm -f "$c_name" >/dev/null 2>&1 || log "could not remove ${c_name}"
done < <(docker ps -a --filter "name=near-op-${OPERATION}-" --format "${ps_format}" 2>/dev/null || true)
# Their per-run files (.<operation>.<pid>.stdout/.stderr) go too.
for f in "${log_dir}/.${OPERATION}."*.std{out,err}; do
  [[ -e "$f" ]] || continue
  f_pid="${f#"${log_dir}/.${OPERATION}."}"
  f_pid="${f_pid%%.*}"
  [[ "$f_pid" =~ ^[0-9]+$ ]] || continue
  if [[ "$f_pid" != "$$" ]] && ! kill -0 "$f_pid" 2>/dev/null; then rm -f "$f"; fi
done

out="${log_dir}/.${OPERATION}.$$.stdout"
err="${log_dir}/.${OPERATION}.$$.stderr"
final_out="${log_dir}/${OPERATION}.stdout"
final_err="${log_dir}/${OPERATION}.stderr"
# A cancel that sends a signal (not SIGKILL) must not leave the container running.
trap 'docker rm -f "$name" >/dev/null 2>&1 || true; rm -f "$out" "$err"; exit 143' TERM INT HUP

log "running ${OPERATION} in ${run_image} (bundle ${BUNDLE_SHA256})"
rc=0
docker run --rm --name "$name" --label "near-localnet.owner=${owner}" --init --network host \
  -e "AWS_REGION=${region}" -v "${bundle_dir}:${CONTAINER_OPS_DIR}:ro" \
  "$run_image" node "$container_bundle" "$OPERATION" "$PAYLOAD" >"$out" 2>"$err" || rc=$?

# stderr: SSM returns only its first 8000 characters, so hand back the tail, which holds the error.
err_size="$(wc -c <"$err")"
if (( err_size > STDERR_LIMIT )); then
  printf '[run-op] %s earlier bytes of stderr omitted; full text in %s\n' "$(( err_size - STDERR_LIMIT ))" "${LOG_DIR}/${OPERATION}.stderr" >&2
  tail -c "$STDERR_LIMIT" "$err" | redact >&2
else
  redact <"$err" >&2
fi

# stdout: SSM returns only its first 24000 characters. Keep the final (result) line whole and as
# many of the last step lines as fit in STDOUT_LIMIT.
out_size="$(wc -c <"$out")"
if (( out_size <= STDOUT_LIMIT )); then
  cat "$out"
else
  mapfile -t lines <"$out"
  count="${#lines[@]}"
  last="${lines[count-1]}"
  budget=$(( STDOUT_LIMIT - ${#last} - 1 ))
  first="$(( count - 1 ))"
  while (( first > 0 )) && (( budget - ${#lines[first-1]} - 1 >= 0 )); do
    budget=$(( budget - ${#lines[first-1]} - 1 ))
    first=$(( first - 1 ))
  done
  log "stdout was ${out_size} bytes; dropped the first ${first} of ${count} lines (full text in ${LOG_DIR}/${OPERATION}.stdout)"
  printf '%s\n' "${lines[@]:first}"
fi

# The finished run's full output becomes the operation's last output (sign-test-result reads it).
# Both files move under one lock on the log folder (flock(1), util-linux), so that concurrent runs
# never leave the stdout of one beside the stderr of another.
exec 9<"$log_dir"
flock 9
mv -f "$out" "$final_out"
mv -f "$err" "$final_err"
exec 9<&-

if (( rc != 0 )); then
  log "${OPERATION} exited with ${rc}"
fi
exit "$rc"
