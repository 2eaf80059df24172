"""Delivery: records to every sink without losing any - lanes with their disk buffers
(spool), dead letters, checkpoints, the state file that holds them, retention and counters."""
