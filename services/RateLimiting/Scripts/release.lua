-- Releases one concurrency lease. KEYS[1] lease set, ARGV[1] lease id. Returns 1 if the lease was held.
return redis.call('ZREM', KEYS[1], ARGV[1])
