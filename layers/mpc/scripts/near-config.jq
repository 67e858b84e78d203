# config.json for the base chain ($boot_nodes, $contract_id), as near/mpc 3.14.1 patches a localnet.
{maximum_size: 1000000, refill_rate: 1000000, initial_size: 1000000} as $unlimited
| .network.boot_nodes = $boot_nodes
| .network.addr = "0.0.0.0:24567"
| .state_sync_enabled = false
| .tracked_shards_config = {Accounts: [$contract_id]}
| .store.load_mem_tries_for_tracked_shards = true
| .network.experimental.network_config_overrides.received_messages_rate_limits =
    {rate_limits: {Block: $unlimited, OptimisticBlock: $unlimited, BlockRequest: $unlimited}}
