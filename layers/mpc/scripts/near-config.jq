# config.json for the base chain ($boot_nodes, $contract_id), as near/mpc 3.14.1 patches a localnet.
{maximum_size: 1000000, refill_rate: 1000000, initial_size: 1000000} as $unlimited
| .network.boot_nodes = $boot_nodes
| .network.addr = "0.0.0.0:24567"
| .state_sync_enabled = false
| .tracked_shards_config = {Accounts: [$contract_id]}
| .store.load_mem_tries_for_tracked_shards = true
| .network.experimental.network_config_overrides.received_messages_rate_limits =
    {rate_limits: {Block: $unlimited, OptimisticBlock: $unlimited, BlockRequest: $unlimited}}
# Without state sync the node must header- and block-sync from its own head, however far behind it is:
# beyond epoch_sync_horizon_num_epochs x epoch_length blocks behind (default 2 x 500) neard goes into epoch
# sync, which cannot finish with state sync off, and a node restarted after that long loops for ever
# (nearcore chain/client/src/sync/handler.rs; near/mpc issue 3909). A million epochs is far beyond any chain's age.
| .epoch_sync.epoch_sync_horizon_num_epochs = 1000000
