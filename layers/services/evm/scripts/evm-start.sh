#!/bin/bash
# near-localnet destination chain: Foundry's anvil on the base host, as the systemd service
# near-localnet-evm. Body of the stack's SSM document "<prefix>-evm-start"
# (layers/services/evm/document.ts), which a State Manager association runs on the base host when
# it is created and whenever these settings change. Idempotent: a re-run converges.
#
# Settings (rendered into the document; none is a secret: the dev account's key stays in SSM,
# the chain only learns its address):
#   ANVIL_VERSION     e.g. 1.7.1
#   ANVIL_TARBALL     npm registry tarball of @foundry-rs/anvil-linux-amd64
#   ANVIL_SHA512      sha512 (hex) of that tarball: the registry's dist.integrity
#   ANVIL_ENTRY       the binary inside the tarball (package/bin/anvil)
#   EVM_CHAIN_ID, EVM_PORT, EVM_BLOCK_TIME   chain id, JSON-RPC port (0.0.0.0), seconds per block
#   DEV_ADDRESS       the dev account; funded with DEV_BALANCE_HEX wei on a fresh chain
# Optional: ROOT (prefix of every path, tests), EVM_DATA_DIR (default /srv/near/evm on the data
# volume: the chain's state survives restarts and instance replacement), EVM_WAIT_SECONDS (60).
#
# The chain: no dev accounts (--accounts 0, so no unlocked account and none of anvil's well-known
# mnemonic keys), one block every EVM_BLOCK_TIME seconds, state loaded from and dumped to
# $EVM_DATA_DIR/state.json (at exit, and every 30 s so that a crash loses at most that).
# stdout: one JSON line {"event":"result","ok":...}; progress on stderr.
set -euo pipefail
R=${ROOT:-}
say() { printf '[evm-start] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  printf '{"event":"result","ok":false,"operation":"evm-start","error":{"message":"%s"}}\n' "${*//\"/\'}"
  exit 1
}
need() { [[ ${!1:-} =~ $2 ]] || die "$1 must be $3"; }
need ANVIL_VERSION '^[0-9]+\.[0-9]+\.[0-9]+$' "a version x.y.z"
need ANVIL_TARBALL '^https://registry\.npmjs\.org/[@a-z0-9/._-]+\.tgz$' "an npm registry tarball URL"
need ANVIL_SHA512 '^[0-9a-f]{128}$' "128 hex digits"
need ANVIL_ENTRY '^package/[a-z0-9/_-]+$' "a path inside the tarball"
need EVM_CHAIN_ID '^[1-9][0-9]{0,15}$' "a positive integer"
need EVM_PORT '^[1-9][0-9]{3,4}$' "a port number"
need EVM_BLOCK_TIME '^[1-9][0-9]?$' "whole seconds"
need DEV_ADDRESS '^0x[0-9a-fA-F]{40}$' "an address 0x + 40 hex digits"
need DEV_BALANCE_HEX '^0x[0-9a-f]{1,64}$' "a hex amount of wei"
data=${EVM_DATA_DIR:-$R/srv/near/evm}
wait_s=${EVM_WAIT_SECONDS:-60}
unit_name=near-localnet-evm
user=near-evm

# ---- the host: a replaced base host may still be in its bootstrap (mounting the data volume) --
if [[ -d $R/run/cloud-init ]] && command -v cloud-init >/dev/null 2>&1; then
  timeout 600 cloud-init status --wait >/dev/null 2>&1 || say "cloud-init did not finish cleanly; going on"
fi
if [[ -z $R && -z ${EVM_DATA_DIR:-} ]]; then
  mountpoint -q /srv/near || die "/srv/near is not mounted (the base bootstrap mounts the data volume there)"
fi

# ---- the binary: fetched once per version, checked against the pinned sha512 ----------------
bin_dir=$R/opt/near-localnet/evm/anvil-$ANVIL_VERSION
bin=$bin_dir/anvil
if [[ -x $bin && $(cat "$bin_dir/.tarball-sha512" 2>/dev/null) == "$ANVIL_SHA512" ]]; then
  say "anvil $ANVIL_VERSION already installed"
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  say "downloading $ANVIL_TARBALL"
  curl -fsSL --retry 3 -o "$tmp/pkg.tgz" "$ANVIL_TARBALL" || die "cannot download $ANVIL_TARBALL"
  got=$(sha512sum "$tmp/pkg.tgz" | cut -d' ' -f1)
  [[ $got == "$ANVIL_SHA512" ]] || die "$ANVIL_TARBALL has sha512 $got, expected $ANVIL_SHA512; refusing it"
  tar -xzf "$tmp/pkg.tgz" -C "$tmp" "$ANVIL_ENTRY" || die "the tarball holds no $ANVIL_ENTRY"
  install -d -m 0755 "$bin_dir"
  install -m 0755 "$tmp/$ANVIL_ENTRY" "$bin.new"
  mv -f "$bin.new" "$bin"
  printf '%s\n' "$ANVIL_SHA512" >"$bin_dir/.tarball-sha512"
  say "anvil $ANVIL_VERSION installed (sha512 verified)"
fi

# ---- the service -----------------------------------------------------------------------------
id -u "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin "$user"
install -d -m 0750 "$data"
chown "$user:" "$data"
unit_file=$R/etc/systemd/system/$unit_name.service
unit="[Unit]
Description=near-localnet destination chain (anvil $ANVIL_VERSION, chain id $EVM_CHAIN_ID)
After=network-online.target
RequiresMountsFor=${data%/evm}

[Service]
User=$user
# anvil spills old states to ~/.foundry/anvil/tmp (foundry-rs/foundry crates/anvil/src/eth/backend/mem/cache.rs
# DiskStateCache, anvil_tmp_dir): HOME is the writable data dir
Environment=HOME=$data
ExecStart=$bin --host 0.0.0.0 --port $EVM_PORT --chain-id $EVM_CHAIN_ID --accounts 0 --block-time $EVM_BLOCK_TIME --state $data/state.json --state-interval 30
Restart=always
RestartSec=2
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=$data

[Install]
WantedBy=multi-user.target"
changed=0
if [[ $(cat "$unit_file" 2>/dev/null) != "$unit" ]]; then
  install -d -m 0755 "${unit_file%/*}"
  printf '%s\n' "$unit" >"$unit_file"
  changed=1
  systemctl daemon-reload
fi
systemctl enable "$unit_name" >/dev/null 2>&1 || die "cannot enable $unit_name"
action=unchanged
if ((changed)) || ! systemctl is-active --quiet "$unit_name"; then
  action=started
  say "(re)starting $unit_name"
  systemctl restart "$unit_name" || die "cannot start $unit_name (journalctl -u $unit_name)"
fi

# ---- answers with the chain id, then the dev account on a fresh chain ------------------------
rpc() {
  curl -fsS -m 5 -H 'content-type: application/json' \
    --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "http://127.0.0.1:$EVM_PORT"
}
want=$(printf '0x%x' "$EVM_CHAIN_ID")
end=$((SECONDS + wait_s))
until [[ $(rpc eth_chainId '[]' 2>/dev/null | jq -r '.result // empty') == "$want" ]]; do
  ((SECONDS < end)) || die "$unit_name does not answer eth_chainId $want on port $EVM_PORT within ${wait_s}s (journalctl -u $unit_name)"
  sleep 0.5
done
nonce=$(rpc eth_getTransactionCount "[\"$DEV_ADDRESS\",\"latest\"]" | jq -r .result)
balance=$(rpc eth_getBalance "[\"$DEV_ADDRESS\",\"latest\"]" | jq -r .result)
funded=false
if [[ $nonce == 0x0 && $balance == 0x0 ]]; then
  rpc anvil_setBalance "[\"$DEV_ADDRESS\",\"$DEV_BALANCE_HEX\"]" >/dev/null || die "cannot fund the dev account"
  funded=true
  say "funded the dev account $DEV_ADDRESS"
fi
block=$(rpc eth_blockNumber '[]' | jq -r .result)
printf '{"event":"result","ok":true,"operation":"evm-start","result":{"action":"%s","chainId":%s,"port":%s,"block":"%s","devFunded":%s}}\n' \
  "$action" "$EVM_CHAIN_ID" "$EVM_PORT" "$block" "$funded"
