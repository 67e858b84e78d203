#!/bin/bash
# near-base bootstrap (AL2023, root, cloud-init): the localnet's NEAR validator. Re-runs change
# nothing; a replacement instance finds the data volume and only starts neard.
# Settings: AWS_REGION, CHAIN_ID, NEAR_IMAGE, DATA_VOLUME_ID (EBS volume for /srv/near),
#  NODE_KEY_PARAM, VALIDATOR_KEY_PARAM (SSM SecureStrings "ed25519:<base58 64 bytes>") and
#  NODE_PUBLIC_KEY, VALIDATOR_PUBLIC_KEY they must match, VALIDATOR_ACCOUNT_ID, ROOT_ACCOUNT_ID,
#  ROOT_PUBLIC_KEY, ROOT_BALANCE_YOCTO (account added to the genesis), GENESIS_BUCKET,
#  GENESIS_KEY (published genesis, metadata sha256 and data-volume-id), GC_NUM_EPOCHS_TO_KEEP.
#  NEAR_IMAGE is repository:tag (pinned on its first pull, recorded on the data volume) or
#  repository[:tag]@sha256:<digest> (checked after the pull): image-pin.sh.
#  Optional: LOG_GROUP (CloudWatch Logs group; unset: json-file logs), DATA_DEVICE,
#  DATA_VOLUME_WAIT_SECONDS (900), LIB_DIR (the .jq patches, image-pin.sh), ROOT (path prefix, tests).
# Secret keys are never printed; key files are 0600.
set -euo pipefail
R=${ROOT:-}
LIB=${LIB_DIR:-/opt/near-localnet}
H=$R/srv/near # neard home on the volume; /srv/near in containers
NEARD=/usr/local/bin/neard
say() { echo "near-base: $*"; }
die() {
  echo "near-base: error: $*" >&2
  exit 1
}

# b58 STR: base58-decode into REPLY as hex; fails on a non-base58 character.
B58=123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz
b58() {
  local s=$1 i j c out='' b=()
  for ((i = 0; i < ${#s}; i++)); do
    c=${B58%%"${s:i:1}"*}
    c=${#c}
    ((c < 58)) || return 1
    for ((j = 0; j < ${#b[@]}; j++)); do
      c=$((b[j] * 58 + c)) && b[j]=$((c & 255)) && c=$((c >> 8))
    done
    for (( ; c > 0; c >>= 8)); do b+=($((c & 255))); done
  done
  while [[ ${s:${#out}/2:1} == 1 ]]; do out+=00; done
  for ((j = ${#b[@]} - 1; j >= 0; j--)); do printf -v c %02x "${b[j]}" && out+=$c; done
  REPLY=$out
}

need() { # NAME REGEX WHAT
  local v=${!1:-}
  [[ -n $v ]] || die "$1 is not set: expected $3"
  [[ $v =~ $2 ]] || die "$1='$v' is malformed: expected $3"
}
need AWS_REGION '^[a-z]{2}(-[a-z]+)+-[0-9]+$' "an AWS region such as us-east-1"
need CHAIN_ID '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' "letters, digits, '.', '_', '-'"
need NEAR_IMAGE '^[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[0-9a-f]{64})?$' \
  "an image such as nearprotocol/nearcore:2.13.3 or nearprotocol/nearcore:2.13.3@sha256:<digest>"
need DATA_VOLUME_ID '^vol-[0-9a-f]{8,17}$' "an EBS volume id (vol-...)"
for v in NODE_KEY_PARAM VALIDATOR_KEY_PARAM; do need $v '^[A-Za-z0-9_./-]+$' "an SSM parameter name"; done
for v in VALIDATOR_ACCOUNT_ID ROOT_ACCOUNT_ID; do
  need $v '^(([a-z0-9]+[-_])*[a-z0-9]+\.)*([a-z0-9]+[-_])*[a-z0-9]+$' "a NEAR account id"
  a=${!v}
  ((${#a} >= 2 && ${#a} <= 64)) || die "$v='$a' must have 2 to 64 characters"
done
for v in NODE_PUBLIC_KEY VALIDATOR_PUBLIC_KEY ROOT_PUBLIC_KEY; do
  need $v '^ed25519:[1-9A-HJ-NP-Za-km-z]+$' "ed25519:<base58 of 32 bytes>"
  { b58 "${!v#ed25519:}" && ((${#REPLY} == 64)); } || die "$v is not a 32-byte ed25519 public key"
done
need ROOT_BALANCE_YOCTO '^[1-9][0-9]{0,38}$' "a positive decimal amount of yoctoNEAR"
need GENESIS_BUCKET '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' "an S3 bucket name"
need GENESIS_KEY '^[A-Za-z0-9!_.*()=+-][A-Za-z0-9!_.*()=+/-]*$' "an S3 object key"
need GC_NUM_EPOCHS_TO_KEEP '^[1-9][0-9]{0,8}$' "a positive number of epochs"
[[ -z ${LOG_GROUP:-} ]] || need LOG_GROUP '^[A-Za-z0-9_/.#-]{1,512}$' "a CloudWatch Logs group name"
DATA_VOLUME_WAIT_SECONDS=${DATA_VOLUME_WAIT_SECONDS:-900}
need DATA_VOLUME_WAIT_SECONDS '^[0-9]+$' "seconds"
for f in genesis-patch.jq config-patch.jq image-pin.sh; do [[ -f $LIB/$f ]] || die "$LIB/$f is missing"; done
# shellcheck source=platform/host/scripts/image-pin.sh
source "$LIB/image-pin.sh"

missing=()
for t in docker jq aws; do command -v $t >/dev/null || missing+=("${t/aws/awscli-2}"); done
((${#missing[@]} == 0)) || dnf install -y -q "${missing[@]}"
systemctl is-active --quiet docker || systemctl enable --now docker

# fetch_key PARAM PUBLIC_KEY: the matching secret key into REPLY.
fetch_key() {
  local v t
  v=$(aws ssm get-parameter --region "$AWS_REGION" --name "$1" --with-decryption \
    --query Parameter.Value --output text) || die "cannot read SSM parameter $1 (missing or not readable)"
  { [[ $v == ed25519:* ]] && b58 "${v#ed25519:}" && ((${#REPLY} == 128)); } ||
    die "SSM parameter $1 does not hold an ed25519 secret key (ed25519:<base58 of 64 bytes>)"
  t=${REPLY:64} && b58 "${2#ed25519:}"
  [[ $t == "$REPLY" ]] || die "SSM parameter $1 holds a key that does not belong to $2"
  REPLY=$v
}
fetch_key "$NODE_KEY_PARAM" "$NODE_PUBLIC_KEY"
node_sk=$REPLY
fetch_key "$VALIDATOR_KEY_PARAM" "$VALIDATOR_PUBLIC_KEY"
val_sk=$REPLY

# Data volume: wait, format only when blank, mount at /srv/near (fstab by UUID, nofail).
dev=$R${DATA_DEVICE:-/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_${DATA_VOLUME_ID/-/}}
end=$((SECONDS + DATA_VOLUME_WAIT_SECONDS))
until [[ -e $dev ]]; do
  ((SECONDS < end)) || die "data volume $DATA_VOLUME_ID did not appear at $dev within ${DATA_VOLUME_WAIT_SECONDS}s"
  sleep 5
done
probe=$(blkid -p -o export "$dev") || {
  rc=$?
  ((rc == 2)) || die "cannot probe $dev (blkid exit $rc)"
  say "formatting the new data volume $DATA_VOLUME_ID"
  mkfs.xfs -q -L near-data "$dev"
  probe=$(blkid -p -o export "$dev")
}
fs=$(sed -n 's/^TYPE=//p' <<<"$probe")
uuid=$(sed -n 's/^UUID=//p' <<<"$probe")
[[ -n $fs && -n $uuid ]] || die "$dev holds data that is not a filesystem; refusing to format it"
grep -qs "^UUID=$uuid " "$R/etc/fstab" ||
  echo "UUID=$uuid /srv/near $fs defaults,nofail,x-systemd.before=docker.service 0 2" >>"$R/etc/fstab"
mkdir -p "$H"
mountpoint -q "$H" || mount -t "$fs" "$dev" "$H"
mountpoint -q "$H" || die "$H is not mounted"
# After a reboot docker (so neard) starts only once /srv/near is mounted, never on an empty dir.
conf=$R/etc/systemd/system/docker.service.d/10-near-data.conf
unit=$'[Unit]\nRequiresMountsFor=/srv/near'
if [[ $(cat "$conf" 2>/dev/null) != "$unit" ]]; then
  mkdir -p "${conf%/*}" && echo "$unit" >"$conf"
  systemctl daemon-reload
fi

# Logs: with LOG_GROUP, to CloudWatch (awslogs driver, stream base/<container>, non-blocking); run-op.sh
# reads $lo for the faucet. `docker logs` still works (Docker's dual-logging cache).
lo=$R/etc/near-localnet/docker-logging && rm -f "$lo"
logopts=(--log-opt max-size=100m --log-opt max-file=5)
if [[ -n ${LOG_GROUP:-} ]]; then
  mkdir -p "${lo%/*}"
  printf '%s\n' --log-driver=awslogs --log-opt={"awslogs-region=$AWS_REGION","awslogs-group=$LOG_GROUP",\
'tag=base/{{.Name}}',mode=non-blocking,max-buffer-size=4m} >"$lo"
  mapfile -t logopts <"$lo"
fi

# The image, by its checked digest (a tag is pinned on its first pull; the record is on the volume,
# so a replacement instance runs the same image).
image_pin nearcoreImage "$NEAR_IMAGE" "$H/.image-pins"
run_image=$REPLY
keys() { # DIR: its key files are the stack's keys (neard init must have reused them)
  local f got want
  for f in node_key.json validator_key.json; do
    want="node $NODE_PUBLIC_KEY"
    [[ $f == node* ]] || want="$VALIDATOR_ACCOUNT_ID $VALIDATOR_PUBLIC_KEY"
    got=$(jq -r '"\(.account_id) \(.public_key)"' "$1/$f") || die "$1/$f is not a key file"
    [[ $got == "$want" ]] || die "$1/$f holds '$got', expected '$want'"
    chmod 0600 "$1/$f"
  done
}
write_key() { # FILE ACCOUNT PUBLIC SECRET (printf is a builtin: on no command line)
  (umask 077 && printf '{"account_id":"%s","public_key":"%s","secret_key":"%s"}\n' "$2" "$3" "$4" >"$1")
}

# First boot: init and patch in a staging dir, then move in, config.json (the marker) last.
if [[ ! -f $H/config.json ]]; then
  [[ ! -e $H/data ]] || die "$H has chain data but no config.json; refusing to initialise over it"
  say "first boot: initialising chain $CHAIN_ID"
  st=$H/.init
  rm -rf "$st" && mkdir -m 0700 "$st"
  # neard init reuses key files: node_key.json for "node", validator_key.json for --account-id.
  write_key "$st/node_key.json" node "$NODE_PUBLIC_KEY" "$node_sk"
  write_key "$st/validator_key.json" "$VALIDATOR_ACCOUNT_ID" "$VALIDATOR_PUBLIC_KEY" "$val_sk"
  docker run --rm --network none -v "$H:/srv/near" --entrypoint $NEARD "$run_image" \
    --home /srv/near/.init init --chain-id "$CHAIN_ID" --account-id "$VALIDATOR_ACCOUNT_ID" >&2 ||
    die "neard init failed"
  keys "$st"
  jq --arg account "$ROOT_ACCOUNT_ID" --arg public_key "$ROOT_PUBLIC_KEY" --arg amount "$ROOT_BALANCE_YOCTO" \
    -f "$LIB/genesis-patch.jq" "$st/genesis.json" >"$st/genesis.new"
  jq --argjson gc "$GC_NUM_EPOCHS_TO_KEEP" -f "$LIB/config-patch.jq" "$st/config.json" >"$st/config.new"
  mv -f "$st/genesis.new" "$st/genesis.json" && mv -f "$st/config.new" "$st/config.json"
  sync "$st"/*.json
  for f in node_key.json validator_key.json genesis.json config.json; do mv -f "$st/$f" "$H/$f"; done
  sync "$H" && rm -rf "$st"
else
  keys "$H"
  # A replacement instance keeps the volume's chain: with a changed chainId it would run the old one.
  have=$(jq -r .chain_id "$H/genesis.json") || die "$H/genesis.json is not JSON"
  [[ $have == "$CHAIN_ID" ]] || die "the data volume holds chain '$have', but chainId is '$CHAIN_ID': set it back" \
    "(pulumi config set near-localnet:chainId $have), or start a new chain on purpose (npm run automate --" \
    "destroy --layer base, then up)"
  # The patch is idempotent and applied at every boot: a changed gcNumEpochsToKeep or patch takes effect.
  jq --argjson gc "$GC_NUM_EPOCHS_TO_KEEP" -f "$LIB/config-patch.jq" "$H/config.json" >"$H/config.new" ||
    die "cannot patch config.json"
  if cmp -s "$H/config.new" "$H/config.json"; then
    rm -f "$H/config.new"
  else
    mv -f "$H/config.new" "$H/config.json" && restart=1 && say "config.json updated"
  fi
fi
unset node_sk val_sk

# Publish the genesis with its sha256 and this data volume's id unless the object has both: one
# left by a replaced volume may match in sha256 yet belong to the old chain.
sha=$(sha256sum "$H/genesis.json") && sha=${sha%% *}
remote=$(aws s3api head-object --region "$AWS_REGION" --bucket "$GENESIS_BUCKET" --key "$GENESIS_KEY" \
  --query '[Metadata.sha256,Metadata."data-volume-id"]' --output text 2>/dev/null) || remote=''
if [[ $remote != "$sha"$'\t'"$DATA_VOLUME_ID" ]]; then
  say "publishing the genesis to s3://$GENESIS_BUCKET/$GENESIS_KEY"
  aws s3 cp --region "$AWS_REGION" --only-show-errors --content-type application/json \
    --metadata "sha256=$sha,data-volume-id=$DATA_VOLUME_ID" "$H/genesis.json" "s3://$GENESIS_BUCKET/$GENESIS_KEY"
fi
say "genesis sha256 $sha"

state=$(docker inspect -f '{{.Config.Image}} {{.State.Running}}' neard 2>/dev/null) || state=''
case $state in
"$run_image true")
  if [[ -n ${restart:-} ]]; then docker restart neard >/dev/null && say "restarted neard for its new config"; else
    say "neard already runs $run_image"
  fi
  ;;
"$run_image false") docker start neard ;;
*)
  [[ -z $state ]] || docker rm -f neard >/dev/null
  docker run -d --name neard --restart unless-stopped --network host --ulimit nofile=65535:65535 \
    "${logopts[@]}" -v "$H:/srv/near" \
    --entrypoint $NEARD "$run_image" --home /srv/near run >/dev/null
  say "started neard ($NEAR_IMAGE as $run_image)"
  ;;
esac
