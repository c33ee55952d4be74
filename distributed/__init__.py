"""Past one machine: a scheduler enqueues site crawls on Redis (RQ), workers on any host run
them, and one writer next to the store records what they observed (see the README)."""
