# Turns the config.json written by `neard init` (nearcore 2.13 format) into the localnet base
# node's: reachable from the VPC, tracking every shard, keeping history for joiners.
#   jq --argjson gc 10000 -f config-patch.jq config.json
# Idempotent: applying it to its own output changes nothing.
if ($gc | type) != "number" or $gc < 1 or $gc != ($gc | floor)
then error("gc must be a positive integer, got \($gc | tojson)") else . end
# JSON-RPC for the other layers and the MPC nodes (the security group limits it to the VPC).
| .rpc.addr = "0.0.0.0:3030"
# P2P on every interface: a node bound to 127.0.0.1 leaves joiners at 0 peers.
| .network.addr = "0.0.0.0:24567"
# The only validator produces blocks without waiting for peers.
| .network.skip_sync_wait = true
# Joiners that do not state-sync fetch blocks from genesis: keep them.
| .gc_num_epochs_to_keep = $gc
# Track (and serve) every shard. nearcore 2.6+ reads tracked_shards_config; the older
# tracked_* keys are removed so they can neither conflict nor mislead.
| .tracked_shards_config = "AllShards"
| del(.tracked_shards, .tracked_accounts, .tracked_shard_schedule, .tracked_shadow_validator)
# Logs go to docker's json log: no ANSI colours, no telemetry from a private network.
| .log_summary_style = "plain"
| .telemetry.endpoints = []
