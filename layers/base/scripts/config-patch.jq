# Makes `neard init`'s config.json (nearcore 2.13) the base node's; idempotent.
#   jq --argjson gc 10000 -f config-patch.jq config.json
{maximum_size: 1000000, refill_rate: 1000000, initial_size: 1000000} as $unlimited
| if ($gc | type) == "number" and $gc >= 1 and $gc == ($gc | floor) then . else error("gc must be a positive integer") end
| .rpc.addr = "0.0.0.0:3030"            # RPC for the VPC (the security group limits it)
| .network.addr = "0.0.0.0:24567"       # P2P on every interface, or joiners sit at 0 peers
| .network.skip_sync_wait = true        # the only validator does not wait for peers
| .gc_num_epochs_to_keep = $gc          # joiners that do not state-sync need the history
| .tracked_shards_config = "AllShards"  # nearcore 2.6+; the older tracked_* keys must go
| del(.tracked_shards, .tracked_accounts, .tracked_shard_schedule, .tracked_shadow_validator)
| .log_summary_style = "plain"          # docker logs: no colours
| .telemetry.endpoints = []
# Catching-up peers (the MPC nodes' embedded neard) ask for many blocks at once: lift the received-message rate
# limits for blocks, as near/mpc's own test chains do (crates/e2e-tests/src/near_sandbox.rs).
| .network.experimental.network_config_overrides.received_messages_rate_limits =
    {rate_limits: {Block: $unlimited, OptimisticBlock: $unlimited, BlockRequest: $unlimited}}
