#!/bin/bash
# near-base bootstrap: makes a new Amazon Linux 2023 instance the localnet's NEAR validator.
# Runs as root from cloud-init on each new instance; a re-run changes nothing. The data volume
# (chain data, keys, genesis) outlives instances: a replacement finds it and only starts neard.
#
# Settings (environment; none of them secret):
#   AWS_REGION            region of the SSM parameters and the genesis bucket
#   CHAIN_ID              chain id for `neard init` (first boot only)
#   NEAR_IMAGE            nearcore release image, e.g. nearprotocol/nearcore:2.13.3
#   DATA_VOLUME_ID        EBS volume (vol-...) for /srv/near; attached after boot, waited for
#   NODE_KEY_PARAM        SSM SecureString names holding the node (peer) and validator secret
#   VALIDATOR_KEY_PARAM   keys, each "ed25519:<base58 of 64 bytes>"
#   NODE_PUBLIC_KEY       their public keys, "ed25519:<base58 of 32 bytes>"; the secrets must
#   VALIDATOR_PUBLIC_KEY  match them
#   VALIDATOR_ACCOUNT_ID  validator account of the genesis (e.g. node0)
#   ROOT_ACCOUNT_ID       account added to the genesis (e.g. localnet) with ROOT_PUBLIC_KEY as
#   ROOT_PUBLIC_KEY       full-access key and ROOT_BALANCE_YOCTO (decimal yoctoNEAR)
#   ROOT_BALANCE_YOCTO
#   GENESIS_BUCKET        the genesis goes to s3://GENESIS_BUCKET/GENESIS_KEY with metadata
#   GENESIS_KEY           sha256=<hex>: joiners need these exact bytes
#   GC_NUM_EPOCHS_TO_KEEP epochs of history kept for joiners (e.g. 10000)
# Optional: DATA_DEVICE (device path instead of the NVMe by-id name), DATA_VOLUME_WAIT_SECONDS
# (default 900), LIB_DIR (companion files genesis-patch.jq, config-patch.jq; default
# /opt/near-localnet), ROOT (prefix of every absolute path, for tests).
# Secret keys are read from SSM here, never printed, and stored 0600.
set -euo pipefail

R=${ROOT:-}
LIB=${LIB_DIR:-/opt/near-localnet}
HOME_DIR=$R/srv/near # neard home on the data volume (host path)
CTR_HOME=/srv/near   # the same directory inside the containers
NEARD=/usr/local/bin/neard

say() { echo "near-base: $*"; }
die() {
  echo "near-base: error: $*" >&2
  exit 1
}

B58=123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz
# b58 STRING: decode base58 into REPLY as lowercase hex; fails on a character outside the alphabet.
b58() {
  local s=$1 i j c n=0 out='' bytes=()
  for ((i = 0; i < ${#s}; i++)); do
    c=${B58%%"${s:i:1}"*}
    ((${#c} < 58)) || return 1
    c=${#c}
    for ((j = 0; j < ${#bytes[@]}; j++)); do
      c=$((bytes[j] * 58 + c))
      bytes[j]=$((c & 255))
      c=$((c >> 8))
    done
    while ((c > 0)); do
      bytes+=($((c & 255)))
      c=$((c >> 8))
    done
  done
  while [[ ${s:n:1} == 1 ]]; do
    out+=00
    n=$((n + 1))
  done
  for ((j = ${#bytes[@]} - 1; j >= 0; j--)); do
    printf -v c %02x "${bytes[j]}"
    out+=$c
  done
  REPLY=$out
}

# need NAME REGEX WHAT: the setting must be set and match.
need() {
  local v=${!1:-}
  [[ -n $v ]] || die "$1 is not set: expected $3"
  [[ $v =~ $2 ]] || die "$1='$v' is malformed: expected $3"
}
ACCOUNT_RE='^(([a-z0-9]+[-_])*[a-z0-9]+\.)*([a-z0-9]+[-_])*[a-z0-9]+$'
need AWS_REGION '^[a-z]{2}(-[a-z]+)+-[0-9]+$' "an AWS region such as us-east-1"
need CHAIN_ID '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' "letters, digits, '.', '_', '-'"
need NEAR_IMAGE '^[A-Za-z0-9][A-Za-z0-9._/:@-]*$' "an image such as nearprotocol/nearcore:2.13.3"
need DATA_VOLUME_ID '^vol-[0-9a-f]{8,17}$' "an EBS volume id (vol-...)"
for v in NODE_KEY_PARAM VALIDATOR_KEY_PARAM; do
  need "$v" '^[A-Za-z0-9_./-]{1,2048}$' "an SSM parameter name"
done
for v in VALIDATOR_ACCOUNT_ID ROOT_ACCOUNT_ID; do
  need "$v" "$ACCOUNT_RE" "a NEAR account id"
  a=${!v}
  ((${#a} >= 2 && ${#a} <= 64)) || die "$v='$a' must have 2 to 64 characters"
done
for v in NODE_PUBLIC_KEY VALIDATOR_PUBLIC_KEY ROOT_PUBLIC_KEY; do
  need "$v" '^ed25519:[1-9A-HJ-NP-Za-km-z]+$' "ed25519:<base58 of 32 bytes>"
  { b58 "${!v#ed25519:}" && ((${#REPLY} == 64)); } || die "$v is not a 32-byte ed25519 public key"
done
need ROOT_BALANCE_YOCTO '^[1-9][0-9]{0,38}$' "a positive decimal amount of yoctoNEAR"
need GENESIS_BUCKET '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' "an S3 bucket name"
need GENESIS_KEY '^[A-Za-z0-9!_.*()=+-][A-Za-z0-9!_.*()=+/-]{0,1023}$' "an S3 object key"
need GC_NUM_EPOCHS_TO_KEEP '^[1-9][0-9]{0,8}$' "a positive number of epochs"
wait_s=${DATA_VOLUME_WAIT_SECONDS:-900}
[[ $wait_s =~ ^[0-9]+$ ]] || die "DATA_VOLUME_WAIT_SECONDS='$wait_s' is not a number of seconds"
for f in genesis-patch.jq config-patch.jq; do
  [[ -f $LIB/$f ]] || die "companion file $LIB/$f is missing"
done

# --- tools ---------------------------------------------------------------------------------
missing=()
command -v docker >/dev/null || missing+=(docker)
command -v jq >/dev/null || missing+=(jq)
command -v aws >/dev/null || missing+=(awscli-2)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  dnf install -y -q "${missing[@]}"
fi
systemctl is-active --quiet docker || systemctl enable --now docker

# --- keys: read and checked before anything is written --------------------------------------
# fetch_key PARAM PUBLIC_KEY: the secret key in REPLY, or a clear failure. Never printed.
fetch_key() {
  local v tail
  v=$(aws ssm get-parameter --region "$AWS_REGION" --name "$1" --with-decryption \
    --query Parameter.Value --output text) ||
    die "cannot read SSM parameter $1 (missing, or not readable by this instance)"
  { [[ $v == ed25519:* ]] && b58 "${v#ed25519:}" && ((${#REPLY} == 128)); } ||
    die "SSM parameter $1 does not hold an ed25519 secret key (ed25519:<base58 of 64 bytes>)"
  tail=${REPLY:64}
  b58 "${2#ed25519:}"
  [[ $tail == "$REPLY" ]] || die "SSM parameter $1 holds a key that does not belong to $2"
  REPLY=$v
}
fetch_key "$NODE_KEY_PARAM" "$NODE_PUBLIC_KEY"
node_secret=$REPLY
fetch_key "$VALIDATOR_KEY_PARAM" "$VALIDATOR_PUBLIC_KEY"
validator_secret=$REPLY

# --- data volume ---------------------------------------------------------------------------
dev=$R${DATA_DEVICE:-/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID/-/}}
deadline=$((SECONDS + wait_s))
until [[ -e $dev ]]; do
  ((SECONDS < deadline)) || die "data volume $DATA_VOLUME_ID did not appear at $dev within ${wait_s}s"
  sleep 5
done
probe=$(blkid -p -o export "$dev") || {
  rc=$?
  ((rc == 2)) || die "cannot probe $dev (blkid exit $rc)"
  say "formatting the new data volume $DATA_VOLUME_ID"
  mkfs.xfs -q -L near-data "$dev"
  probe=$(blkid -p -o export "$dev")
}
fstype=$(sed -n 's/^TYPE=//p' <<<"$probe")
uuid=$(sed -n 's/^UUID=//p' <<<"$probe")
[[ -n $fstype && -n $uuid ]] || die "$dev holds data that is not a filesystem; refusing to format it"
fstab=$R/etc/fstab
grep -qs "^UUID=$uuid " "$fstab" ||
  echo "UUID=$uuid $CTR_HOME $fstype defaults,nofail,x-systemd.before=docker.service 0 2" >>"$fstab"
mkdir -p "$HOME_DIR"
mountpoint -q "$HOME_DIR" || mount -t "$fstype" "$dev" "$HOME_DIR"
mountpoint -q "$HOME_DIR" || die "$HOME_DIR is not mounted"

pull() {
  local i
  docker image inspect "$NEAR_IMAGE" >/dev/null 2>&1 && return 0
  for i in 1 2 3 4 5; do
    docker pull -q "$NEAR_IMAGE" >/dev/null && return 0
    sleep $((i * 5))
  done
  die "cannot pull $NEAR_IMAGE"
}

# check_key FILE ACCOUNT PUBLIC_KEY: the key file neard uses is the one this stack holds.
check_key() {
  local got
  got=$(jq -r '"\(.account_id) \(.public_key)"' "$1") || die "$1 is not a key file"
  [[ $got == "$2 $3" ]] || die "$1 holds '$got', expected '$2 $3'"
  chmod 0600 "$1"
}

# write_key FILE ACCOUNT PUBLIC SECRET (printf is a builtin: the secret is on no command line)
write_key() {
  (umask 077 && printf '{"account_id":"%s","public_key":"%s","secret_key":"%s"}\n' \
    "$2" "$3" "$4" >"$1")
}

# --- first boot: init in a staging dir, patch, then move in with config.json last ---------------
if [[ ! -f $HOME_DIR/config.json ]]; then
  [[ ! -e $HOME_DIR/data ]] ||
    die "$HOME_DIR has chain data but no config.json; refusing to initialise over it"
  say "first boot: initialising chain $CHAIN_ID"
  stage=$HOME_DIR/.init
  rm -rf "$stage"
  mkdir -m 0700 "$stage"
  # neard init reuses existing key files (node_key.json must be for account "node",
  # validator_key.json for --account-id) and builds the genesis around the validator key.
  write_key "$stage/node_key.json" node "$NODE_PUBLIC_KEY" "$node_secret"
  write_key "$stage/validator_key.json" "$VALIDATOR_ACCOUNT_ID" "$VALIDATOR_PUBLIC_KEY" "$validator_secret"
  pull
  docker run --rm --network none -v "$HOME_DIR:$CTR_HOME" --entrypoint "$NEARD" "$NEAR_IMAGE" \
    --home "$CTR_HOME/.init" init --chain-id "$CHAIN_ID" --account-id "$VALIDATOR_ACCOUNT_ID" >&2 ||
    die "neard init failed"
  check_key "$stage/node_key.json" node "$NODE_PUBLIC_KEY"
  check_key "$stage/validator_key.json" "$VALIDATOR_ACCOUNT_ID" "$VALIDATOR_PUBLIC_KEY"
  jq -e --arg c "$CHAIN_ID" --arg v "$VALIDATOR_ACCOUNT_ID" --arg k "$VALIDATOR_PUBLIC_KEY" \
    '.chain_id == $c and any(.validators[]; .account_id == $v and .public_key == $k)' \
    "$stage/genesis.json" >/dev/null || die "neard init wrote a genesis for another chain or validator"
  jq --arg account "$ROOT_ACCOUNT_ID" --arg public_key "$ROOT_PUBLIC_KEY" \
    --arg amount "$ROOT_BALANCE_YOCTO" -f "$LIB/genesis-patch.jq" "$stage/genesis.json" >"$stage/genesis.new"
  jq --argjson gc "$GC_NUM_EPOCHS_TO_KEEP" -f "$LIB/config-patch.jq" "$stage/config.json" >"$stage/config.new"
  mv -f "$stage/genesis.new" "$stage/genesis.json"
  mv -f "$stage/config.new" "$stage/config.json"
  sync "$stage"/*.json
  for f in node_key.json validator_key.json genesis.json config.json; do
    mv -f "$stage/$f" "$HOME_DIR/$f"
  done
  sync "$HOME_DIR"
  rm -rf "$stage"
fi
unset node_secret validator_secret
check_key "$HOME_DIR/node_key.json" node "$NODE_PUBLIC_KEY"
check_key "$HOME_DIR/validator_key.json" "$VALIDATOR_ACCOUNT_ID" "$VALIDATOR_PUBLIC_KEY"

# --- publish the genesis (only when missing or different) -----------------------------------
sha=$(sha256sum "$HOME_DIR/genesis.json")
sha=${sha%% *}
remote=$(aws s3api head-object --region "$AWS_REGION" --bucket "$GENESIS_BUCKET" --key "$GENESIS_KEY" \
  --query Metadata.sha256 --output text 2>/dev/null) || remote=''
if [[ $remote != "$sha" ]]; then
  say "publishing the genesis to s3://$GENESIS_BUCKET/$GENESIS_KEY"
  aws s3 cp --region "$AWS_REGION" --only-show-errors --content-type application/json \
    --metadata "sha256=$sha" "$HOME_DIR/genesis.json" "s3://$GENESIS_BUCKET/$GENESIS_KEY"
fi
say "genesis sha256 $sha"

# --- run the node ----------------------------------------------------------------------------
state=$(docker inspect -f '{{.Config.Image}} {{.State.Running}}' neard 2>/dev/null) || state=''
case $state in
"$NEAR_IMAGE true") say "neard already runs $NEAR_IMAGE" ;;
"$NEAR_IMAGE false") docker start neard >/dev/null && say "started the existing neard container" ;;
*)
  [[ -z $state ]] || docker rm -f neard >/dev/null
  pull
  docker run -d --name neard --restart unless-stopped --network host --ulimit nofile=65535:65535 \
    --log-opt max-size=100m --log-opt max-file=5 -v "$HOME_DIR:$CTR_HOME" \
    --entrypoint "$NEARD" "$NEAR_IMAGE" --home "$CTR_HOME" run >/dev/null
  say "started neard ($NEAR_IMAGE)"
  ;;
esac
