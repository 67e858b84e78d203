#!/bin/bash
# Layer 3 MPC node bootstrap (Amazon Linux 2023, cloud-init; a re-run changes nothing).
# Settings (never secrets; keys are read from Secrets Manager): AWS_REGION NODE_INDEX ACCOUNT_ID
# CONTRACT_ID MPC_IMAGE CHAIN_ID BOOT_NODES RUST_LOG P2P_PORT WEB_PORT CORES TRIPLES_TO_BUFFER
# PRESIGNATURES_TO_BUFFER GENESIS_BUCKET GENESIS_KEY, BASE_DATA_VOLUME_ID (the base node's data
# volume: only the genesis it published counts), DATA_VOLUME_ID (attached after boot), secret ids
# ACCOUNT_SK_SECRET P2P_KEY_SECRET (NEAR keys) STORE_KEY_SECRET (32 hex); optional LOG_GROUP
# (CloudWatch Logs group) MPC_LOG_FORMAT=plain MIGRATION_PORT=8079 VOLUME_WAIT_SECONDS=600
# DOCKER_WAIT_SECONDS=120 GENESIS_WAIT_SECONDS=3600 GENESIS_POLL_SECONDS=10 RETRY_DELAY=3.
# near-config.jq and image-pin.sh are read from LIB_DIR; paths are prefixed with ROOT (tests).
# MPC_IMAGE is repository:tag (pinned on its first pull, recorded on the data volume) or
# repository[:tag]@sha256:<digest> (checked after the pull).
# Logs go to stderr only: no command output is ever captured into a secret.
set -euo pipefail
set +x
umask 077
LIB_DIR="${LIB_DIR:-/opt/near-localnet}"
R="${ROOT:-}"
MNT=/srv/mpc
DATA="$R$MNT"
H="$DATA/home" # the node's home, /data in the container
STATE="$DATA/bootstrap"
RUN="$R/run/near-localnet/mpc"
KEY_FILE="$DATA/secrets/store-key" # the secret-store key, 0400, read by the container's wrapper
OLD_ENV_FILE="$R/etc/near-localnet/mpc-node.env" # where earlier versions kept it, as an env file
C=mpc-node
LABEL=near-localnet.config-hash

log() { printf '%s mpc-bootstrap: %s\n' "$(date -u +%FT%TZ)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need() { # name regex
  [[ -n "${!1-}" ]] || die "setting $1 is missing"
  [[ "${!1}" =~ ^($2)$ ]] || die "setting $1='${!1}' is invalid: it must match ^($2)\$"
}
ACCT='([a-z0-9]+[-_])*[a-z0-9]+(\.([a-z0-9]+[-_])*[a-z0-9]+)*'
NUM='[1-9][0-9]{0,5}'
SID='[A-Za-z0-9/_+=.@:-]+'
BOOT='ed25519:[1-9A-HJ-NP-Za-km-z]{32,44}@[0-9.]+:[0-9]+'
MPC_LOG_FORMAT="${MPC_LOG_FORMAT:-plain}" MIGRATION_PORT="${MIGRATION_PORT:-8079}"
need AWS_REGION '[a-z]{2}(-[a-z]+)+-[0-9]+'
need NODE_INDEX '0|[1-9][0-9]{0,2}'
for v in ACCOUNT_ID CONTRACT_ID; do need "$v" "$ACCT"; done
need MPC_IMAGE '[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[0-9a-f]{64})?'
need DATA_VOLUME_ID 'vol-[0-9a-f]{8,17}'
for v in ACCOUNT_SK_SECRET P2P_KEY_SECRET STORE_KEY_SECRET; do need "$v" "$SID"; done
need GENESIS_BUCKET '[a-z0-9][a-z0-9.-]{1,62}'
need GENESIS_KEY '[A-Za-z0-9/_.=+-]+'
need BASE_DATA_VOLUME_ID 'vol-[0-9a-f]{8,17}'
need CHAIN_ID '[a-z0-9][a-z0-9._-]*'
need BOOT_NODES "$BOOT(,$BOOT)*"
need RUST_LOG '[A-Za-z0-9_:=,.-]+'
need MPC_LOG_FORMAT 'plain|json'
[[ -z "${LOG_GROUP-}" ]] || need LOG_GROUP '[A-Za-z0-9_/.#-]{1,512}'
for v in P2P_PORT WEB_PORT MIGRATION_PORT CORES TRIPLES_TO_BUFFER PRESIGNATURES_TO_BUFFER; do need "$v" "$NUM"; done
((${#ACCOUNT_ID} <= 64 && ${#CONTRACT_ID} <= 64)) || die "NEAR account ids have at most 64 characters"
# All bind on the host network: a shared port (the predecessor's P2P on 8080) kills the node.
declare -A used=()
for p in "$P2P_PORT" "$WEB_PORT" "$MIGRATION_PORT" 34001 3030 24567; do
  if ((p > 65535)) || [[ -n "${used[$p]-}" ]]; then
    die "port $p is out of range or used twice (P2P, web, migration, 34001, 3030, 24567)"
  fi
  used[$p]=1
done

retry() { # attempts command...
  local n=$1 i; shift
  for ((i = 1; ; i++)); do
    "$@" && return 0
    ((i < n)) || return 1
    log "retry $i/$n: $1 $2"
    sleep "${RETRY_DELAY:-3}"
  done
}
# Move $1 over $2 only if the content differs; status 0 means "changed".
put() {
  if [[ -f "$2" ]] && cmp -s "$1" "$2"; then rm -f "$1"; return 1; fi
  mv -f "$1" "$2"
}
# shellcheck source=platform/host/scripts/image-pin.sh
source "$LIB_DIR/image-pin.sh"
for t in jq docker; do
  command -v $t >/dev/null || retry 3 dnf install -y $t >&2 || die "cannot install $t"
done

# ---- secrets: the CLI's stdout (the value alone) goes to a 0600 file on tmpfs
mkdir -p "$RUN"
trap 'rm -rf "$RUN"' EXIT
get_secret() {
  aws secretsmanager get-secret-value --region "$AWS_REGION" --secret-id "$1" \
    --query SecretString --output text >"$2"
}
fetch_secret() { # id file label
  local v
  log "reading secret '$1' ($3)"
  retry 5 get_secret "$1" "$2" || die "cannot read secret '$1' ($3): see the aws error above"
  IFS= read -r -d '' v <"$2" || true
  while [[ "$v" == *[$'\n\r'] ]]; do v="${v%?}"; done
  case "${v,,}" in
    "" | placeholder* | *changeme* | change[-_]me | todo | tbd | none | null | dummy | example | xxx* | "<"*">" | "\${"*)
      die "secret '$1' ($3) is empty or a placeholder: store the real value in Secrets Manager" ;;
  esac
  [[ "$v" != *[[:space:]]* ]] || die "secret '$1' ($3) contains whitespace or several lines"
  printf '%s' "$v" >"$2"
}
fetch_secret "$ACCOUNT_SK_SECRET" "$RUN/account_sk" "NEAR account key"
fetch_secret "$P2P_KEY_SECRET" "$RUN/p2p_key" "P2P key"
fetch_secret "$STORE_KEY_SECRET" "$RUN/store_key" "secret-store key"
B58=123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz
near_key() { # id file label: "ed25519:" + base58 of 64 bytes (seed, public key), as the node reads it
  local v i j c k=() z
  v=$(<"$2")
  [[ "$v" =~ ^ed25519:[$B58]+$ ]] || die "secret '$1' ($3) is not a NEAR key: expected ed25519:<base58>"
  v=${v#ed25519:} z=${v%%[^1]*}
  for ((i = 0; i < ${#v}; i++)); do
    c=${B58%%"${v:i:1}"*} c=${#c}
    for ((j = 0; j < ${#k[@]}; j++)); do ((c += k[j] * 58, k[j] = c & 255, c >>= 8)) || true; done
    for (( ; c; c >>= 8)); do k+=($((c & 255))); done
  done
  ((${#z} + ${#k[@]} == 64)) ||
    die "secret '$1' ($3) decodes to $((${#z} + ${#k[@]})) bytes; a NEAR ed25519 secret key has 64"
}
near_key "$ACCOUNT_SK_SECRET" "$RUN/account_sk" "NEAR account key"
near_key "$P2P_KEY_SECRET" "$RUN/p2p_key" "P2P key"
grep -Eqx '[0-9a-fA-F]{32}' "$RUN/store_key" ||
  die "secret '$STORE_KEY_SECRET' (secret-store key) must be exactly 32 hex characters"

# ---- data volume (Nitro NVMe id), formatted only when it holds no filesystem
dev="$R/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID/-/}"
end=$((SECONDS + ${VOLUME_WAIT_SECONDS:-600}))
until [[ -e "$dev" ]]; do
  ((SECONDS < end)) || die "data volume $DATA_VOLUME_ID did not appear at $dev in time"
  sleep 5
done
rc=0
fs=$(blkid -o value -s TYPE "$dev") || rc=$?
if ((rc == 2)); then
  log "data volume $DATA_VOLUME_ID is empty: making an xfs filesystem"
  mkfs -t xfs -L mpc-data "$dev" >&2
  fs=xfs
elif ((rc != 0)) || [[ -z "$fs" ]]; then
  die "cannot tell whether $dev holds a filesystem (blkid exit $rc); not formatting it"
fi
uuid=$(blkid -o value -s UUID "$dev")
[[ -n "$uuid" ]] || die "no filesystem UUID on $dev"
reload=0
mkdir -p "$R/etc/systemd/system/docker.service.d" "$DATA"
[[ -e "$R/etc/fstab" ]] || : >"$R/etc/fstab"
{ grep -v " $MNT " "$R/etc/fstab" || true; echo "UUID=$uuid $MNT $fs defaults,nofail 0 2"; } >"$RUN/fstab"
chmod 0644 "$RUN/fstab"
put "$RUN/fstab" "$R/etc/fstab" && reload=1
grep -qs " $DATA " "$R/proc/mounts" || { log "mounting $DATA_VOLUME_ID at $MNT"; mount "$dev" "$DATA"; }
mkdir -p "$H" "$STATE"

# ---- docker waits for the volume after a reboot: the node never runs on an empty dir
printf '[Unit]\nRequiresMountsFor=%s\n' "$MNT" >"$RUN/dropin"
chmod 0644 "$RUN/dropin"
put "$RUN/dropin" "$R/etc/systemd/system/docker.service.d/10-mpc-data.conf" && reload=1
((reload == 0)) || systemctl daemon-reload
if ! systemctl is-enabled --quiet docker || ! systemctl is-active --quiet docker; then
  systemctl enable --now docker
fi
end=$((SECONDS + ${DOCKER_WAIT_SECONDS:-120}))
until docker info >/dev/null 2>&1; do
  ((SECONDS < end)) || die "docker did not come up in time"
  sleep 2
done
# By its checked digest; a tag is pinned on its first pull (recorded on the volume, so a replacement
# instance runs the same image).
image_pin mpcImage "$MPC_IMAGE" "$STATE/image-pins"
IMAGE=$REPLY

# ---- genesis. This host boots while the base node is still coming up: wait until the base node
# has published the genesis of its CURRENT data volume (object metadata sha256 and data-volume-id,
# written by layers/base/scripts/bootstrap.sh; an object left by a replaced base volume does not
# count), then take the bytes only if they hash to the declared sha256.
src="s3://$GENESIS_BUCKET/$GENESIS_KEY"
end=$((SECONDS + ${GENESIS_WAIT_SECONDS:-3600}))
while :; do
  meta=$(aws s3api head-object --region "$AWS_REGION" --bucket "$GENESIS_BUCKET" --key "$GENESIS_KEY" \
    --query '[Metadata.sha256,Metadata."data-volume-id"]' --output text 2>/dev/null) || meta="not published yet"
  seen="$meta"
  if [[ "$meta" =~ ^([0-9a-f]{64})$'\t'"$BASE_DATA_VOLUME_ID"$ ]]; then
    want=${BASH_REMATCH[1]}
    retry 5 aws s3 cp --region "$AWS_REGION" --only-show-errors "$src" "$RUN/genesis.json" >&2 ||
      die "cannot fetch the genesis $src"
    sha=$(sha256sum "$RUN/genesis.json" | cut -c1-64)
    [[ "$sha" != "$want" ]] || break
    seen="the bytes hash to $sha, not the declared $want"
  fi
  ((SECONDS < end)) || die "no genesis of base volume $BASE_DATA_VOLUME_ID at $src in time (last: ${seen//$'\t'/ })"
  log "waiting for the genesis of base volume $BASE_DATA_VOLUME_ID at $src (${seen//$'\t'/ })"
  sleep "${GENESIS_POLL_SECONDS:-10}"
done
log "genesis sha256 $sha from base volume $BASE_DATA_VOLUME_ID"
g=$(jq -r .chain_id "$RUN/genesis.json") || die "the genesis is not JSON"
[[ "$g" == "$CHAIN_ID" ]] || die "the genesis has chain_id '$g' but CHAIN_ID is '$CHAIN_ID'"

# ---- neard data dir. $STATE/chain records genesis sha256, chain id, boot nodes: a new genesis
# or chain id re-initialises (wiping the old chain's state); config.json is patched every run.
chain=$(printf 'genesis_sha256=%s\nchain_id=%s' "$sha" "$CHAIN_ID")
have=$(sha256sum "$H/genesis.json" 2>/dev/null | cut -c1-64) || true
if [[ ! -f "$H/config.json" || ! -f "$H/node_key.json" || "$have" != "$sha" ||
  "$(head -n 2 "$STATE/chain" 2>/dev/null)" != "$chain" ]]; then
  log "initialising the data dir for chain '$CHAIN_ID' (genesis $sha)"
  if docker container inspect "$C" >/dev/null 2>&1; then docker rm -f "$C" >/dev/null; fi
  # neard's store and keys, and the MPC state bound to the old contract (triples, keyshares)
  rm -rf "$H"/{data,assets,permanent_keys,key,.near_data_trash,.near_data_wipe_token} "$STATE/chain"
  rm -f "$H"/{config.json,genesis.json,node_key.json,validator_key.json}
  cp "$RUN/genesis.json" "$STATE/genesis.json"
  docker run --rm --network none --entrypoint /app/mpc-node -v "$H:/data" \
    -v "$STATE/genesis.json:/genesis.json:ro" "$IMAGE" \
    init --dir /data --chain-id "$CHAIN_ID" --genesis /genesis.json --boot-nodes "$BOOT_NODES" >&2 ||
    die "mpc-node init failed"
  [[ -f "$H/config.json" ]] || die "mpc-node init wrote no config.json"
  # init rewrites the genesis: restore the original bytes; drop the (unused) validator key.
  cp "$RUN/genesis.json" "$H/genesis.json"
  rm -f "$H/validator_key.json"
fi
jq --arg boot_nodes "$BOOT_NODES" --arg contract_id "$CONTRACT_ID" -f "$LIB_DIR/near-config.jq" \
  "$H/config.json" >"$RUN/config.json" || die "cannot patch config.json"
put "$RUN/config.json" "$H/config.json" && log "config.json patched (boot nodes $BOOT_NODES)"
printf '%s\nboot_nodes=%s\n' "$chain" "$BOOT_NODES" >"$RUN/chain"
put "$RUN/chain" "$STATE/chain" || true

# ---- config.yaml (the node re-serialises it on start: compare with what we last wrote)
cat >"$RUN/config.yaml" <<EOF
my_near_account_id: $ACCOUNT_ID
near_responder_account_id: $ACCOUNT_ID
number_of_responder_keys: 1
web_ui: 0.0.0.0:$WEB_PORT
migration_web_ui: 127.0.0.1:$MIGRATION_PORT
pprof_bind_address: 127.0.0.1:34001
triple:
  concurrency: 2
  desired_triples_to_buffer: $TRIPLES_TO_BUFFER
  timeout_sec: 120
  parallel_triple_generation_stagger_time_sec: 1
presignature:
  concurrency: 4
  desired_presignatures_to_buffer: $PRESIGNATURES_TO_BUFFER
  timeout_sec: 60
signature:
  timeout_sec: 60
ckd:
  timeout_sec: 60
indexer:
  validate_genesis: false
  sync_mode: Latest
  concurrency: 1
  mpc_contract_id: $CONTRACT_ID
  finality: optimistic
cores: $CORES
EOF
if ! cmp -s "$RUN/config.yaml" "$STATE/config.yaml" || [[ ! -f "$H/config.yaml" ]]; then
  cp "$RUN/config.yaml" "$H/config.yaml"
  mv -f "$RUN/config.yaml" "$STATE/config.yaml"
  log "config.yaml written"
fi

# ---- secrets.json and the store-key file, rewritten whenever they differ
jq -n --rawfile p2p "$RUN/p2p_key" --rawfile sk "$RUN/account_sk" \
  '{p2p_private_key: $p2p, near_signer_key: $sk, near_responder_keys: [$sk]}' >"$RUN/secrets.json"
put "$RUN/secrets.json" "$H/secrets.json" && log "secrets.json written"
chmod 0600 "$H/secrets.json"
# The node reads the key only from MPC_SECRET_STORE_KEY or its command line (near/mpc 3.14.1
# crates/node/src/cli.rs, StartCmd), both of which `docker inspect` shows. So the key is a 0400 file
# on the data volume (it must outlive a reboot: docker restarts the container before any bootstrap),
# mounted read-only, and a wrapper reads it and execs the node with the variable set in the node's
# process alone, never in the container's configuration.
mkdir -p "${KEY_FILE%/*}"
chmod 0700 "${KEY_FILE%/*}"
{ cat "$RUN/store_key"; echo; } >"$RUN/key"
chmod 0400 "$RUN/key"
put "$RUN/key" "$KEY_FILE" || true
rm -f "$OLD_ENV_FILE"

# ---- the container, replaced only when its image or configuration changed
# Logs: with LOG_GROUP, to CloudWatch (awslogs, stream mpc-node-<i>/mpc-node, non-blocking)
logopts=(--log-opt max-size=50m --log-opt max-file=5)
[[ -z "${LOG_GROUP-}" ]] || logopts=(--log-driver=awslogs --log-opt={"awslogs-region=$AWS_REGION",\
"awslogs-group=$LOG_GROUP","tag=mpc-node-$NODE_INDEX/{{.Name}}",mode=non-blocking,max-buffer-size=4m})
args=(--name "$C" --restart unless-stopped --network host --ulimit nofile=65535:65535
  "${logopts[@]}" -v "$H:/data" -v "$KEY_FILE:/run/secrets/mpc-store-key:ro"
  -e MPC_HOME_DIR=/data -e "RUST_LOG=$RUST_LOG" -e "MPC_LOG_FORMAT=$MPC_LOG_FORMAT"
  --entrypoint /bin/bash)
# The image runs as root and has bash (near/mpc deployment/Dockerfile-node: debian, start.sh).
wrapper='IFS= read -r MPC_SECRET_STORE_KEY </run/secrets/mpc-store-key || { echo "cannot read the'
wrapper+=' secret-store key file /run/secrets/mpc-store-key" >&2; exit 1; }; export MPC_SECRET_STORE_KEY;'
wrapper+=' exec /app/mpc-node start'
hash=$({
  printf '%s\n' "$IMAGE" "${args[@]}" "$wrapper"
  cat "$STATE/config.yaml" "$H/secrets.json" "$KEY_FILE" "$H/config.json" "$H/genesis.json"
} | sha256sum | cut -c1-64)
want="$IMAGE $hash"
have=$(docker inspect --type container -f "{{.Config.Image}} {{index .Config.Labels \"$LABEL\"}} {{.State.Status}}" "$C" 2>/dev/null) || have=""
case "$have" in
  "$want running" | "$want restarting") log "container $C is up to date" ;;
  "$want exited" | "$want created") log "starting the existing container $C"; docker start "$C" >/dev/null ;;
  *)
    if [[ -n "$have" ]]; then
      log "replacing container $C (image or configuration changed)"
      docker rm -f "$C" >/dev/null
    fi
    log "starting $MPC_IMAGE ($IMAGE) as $C"
    docker run -d "${args[@]}" --label "$LABEL=$hash" "$IMAGE" -c "$wrapper" >/dev/null
    ;;
esac
log "done: node $NODE_INDEX ($ACCOUNT_ID) on chain '$CHAIN_ID', web :$WEB_PORT, P2P :$P2P_PORT"
