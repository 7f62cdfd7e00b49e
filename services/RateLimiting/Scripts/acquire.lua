-- Checks every limit of one request and consumes all of them or none (DESIGN.md "Rate limits").
-- KEYS[1..n]   GCRA keys (one string per limit: the theoretical arrival time in microseconds)
-- KEYS[n+1]    optional concurrency sorted set (member = lease id, score = lease expiry in ms)
-- ARGV[1]      n, the number of GCRA limits
-- ARGV[2]      1 = dry run: answer as if consuming, write nothing (used to peek at failed-auth blocks)
-- ARGV[3+2i-2] permit limit of GCRA limit i;  ARGV[4+2i-2] its window in ms
-- ARGV[3+2n]   concurrency limit (0 = no concurrency key); ARGV[4+2n] lease ttl ms; ARGV[5+2n] lease id
-- Returns {allowed (1|0), limit index (1-based; n+1 = concurrency; 0 = none), retry-after ms,
--          remaining, reset ms}. When allowed, index/remaining/reset describe the most restrictive limit;
--          when denied, index and retry-after describe the limit that frees up last.
-- Portable across Redis (Lua 5.1, doubles) and Garnet (Lua 5.4, integers): only integer arithmetic below
-- 2^53, math.floor instead of //, and string.format instead of tostring, whose 5.1 output loses digits.
local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now_ms = math.floor(now_us / 1000)
local n = tonumber(ARGV[1])
local dry_run = ARGV[2] == '1'

local denied_index, denied_retry_ms = 0, 0
local best_index, best_remaining, best_reset_ms = 0, -1, 0
local new_tats = {}

for i = 1, n do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window_us = tonumber(ARGV[2 + 2 * i]) * 1000
  -- Rounding the interval down keeps a burst of exactly `limit` inside one window.
  local interval_us = math.floor(window_us / limit)
  local tat = tonumber(redis.call('GET', KEYS[i])) or now_us
  if tat < now_us then tat = now_us end
  local new_tat = tat + interval_us
  local allow_at = new_tat - window_us
  if allow_at > now_us then
    local retry_ms = math.ceil((allow_at - now_us) / 1000)
    if retry_ms > denied_retry_ms then
      denied_index, denied_retry_ms = i, retry_ms
    end
  else
    new_tats[i] = new_tat
    local remaining = math.floor((now_us + window_us - new_tat) / interval_us)
    if best_remaining < 0 or remaining < best_remaining then
      best_index, best_remaining = i, remaining
      best_reset_ms = math.ceil((new_tat - now_us) / 1000)
    end
  end
end

local lease_key = KEYS[n + 1]
local lease_limit = tonumber(ARGV[3 + 2 * n]) or 0
local lease_ttl_ms = tonumber(ARGV[4 + 2 * n]) or 0
if lease_limit > 0 then
  -- Leases of a holder that died stop counting once their expiry passes.
  redis.call('ZREMRANGEBYSCORE', lease_key, '-inf', string.format('%.0f', now_ms))
  local held = redis.call('ZCARD', lease_key)
  if held >= lease_limit then
    local first = redis.call('ZRANGE', lease_key, 0, 0, 'WITHSCORES')
    local retry_ms = math.max(1, tonumber(first[2]) - now_ms)
    if denied_index == 0 or retry_ms > denied_retry_ms then
      denied_index, denied_retry_ms = n + 1, retry_ms
    end
  else
    local remaining = lease_limit - held - 1
    if best_remaining < 0 or remaining < best_remaining then
      best_index, best_remaining, best_reset_ms = n + 1, remaining, lease_ttl_ms
    end
  end
end

if denied_index > 0 then
  return {0, denied_index, denied_retry_ms, 0, denied_retry_ms}
end

if not dry_run then
  for i = 1, n do
    local ttl_ms = math.ceil((new_tats[i] - now_us) / 1000)
    redis.call('SET', KEYS[i], string.format('%.0f', new_tats[i]), 'PX', string.format('%.0f', ttl_ms))
  end
  if lease_limit > 0 then
    local expiry = now_ms + lease_ttl_ms
    redis.call('ZADD', lease_key, string.format('%.0f', expiry), ARGV[5 + 2 * n])
    -- The set lives as long as its longest lease; a later acquire extends it.
    local last = redis.call('ZRANGE', lease_key, -1, -1, 'WITHSCORES')
    redis.call('PEXPIREAT', lease_key, string.format('%.0f', tonumber(last[2])))
  end
end

if best_index == 0 then best_remaining = 0 end
return {1, best_index, 0, best_remaining, best_reset_ms}
