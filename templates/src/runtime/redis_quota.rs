//! `RedisQuota` (the `redis` feature): Keap's quota kept in Redis, so every process that
//! uses one key or OAuth2 app paces itself against the same windows. Each decision is one
//! Lua script, atomic in Redis and timed by Redis's own clock, so skew between machines
//! cannot let a window overflow.

use super::auth::Auth;
use super::clock::epoch_ns;
use super::quota::{Budget, Decision, LocalQuota, Observation, Quota, QuotaFuture, QuotaStore, StoreError, Wait};
use super::redis_link::{hashed, random_id, Redis};
use super::window::Window;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// What every script shares: Redis's time in microseconds, the limits, and `room(w)`, a
/// window's requests left (`nil`: no limit) and when it next frees room. Keys: the send log
/// (a sorted set, scored by time), the day counter, the caps learned from Keap's headers,
/// the pause, the store's epoch, and the limits each process of the fleet was configured
/// with. ARGV[1..3] are this process's limits (-1: none), ARGV[4] the guard, ARGV[5] this
/// process's name. The limits applied are the strictest of the processes heard from in the
/// last five minutes: during a rolling deploy from one setting to another, the fleet
/// together never sends more than either allows. Microseconds since the epoch fit a Lua number exactly;
/// `fmt` writes them out whole (Lua's own `tostring` would round them).
const PRELUDE: &str = r#"
local SEC, MIN, DAY = 1000000, 60000000, 86400000000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local K_LOG, K_DAY, K_CAPS, K_PAUSE, K_META, K_LIMITS = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local lim = {tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])}
local guard = tonumber(ARGV[4])
local FORGET = 300000000
redis.call('HSET', K_LIMITS, ARGV[5], ARGV[1] .. ',' .. ARGV[2] .. ',' .. ARGV[3] .. ',' .. string.format('%.0f', now))
redis.call('PEXPIRE', K_LIMITS, FORGET / 1000)
local fleet = redis.call('HGETALL', K_LIMITS)
for i = 1, #fleet, 2 do
  local s, m, d, at = string.match(fleet[i + 1], '^(-?%d+),(-?%d+),(-?%d+),(%d+)$')
  if not at or tonumber(at) < now - FORGET then
    redis.call('HDEL', K_LIMITS, fleet[i])
  else
    local theirs = {tonumber(s), tonumber(m), tonumber(d)}
    for w = 1, 3 do
      if theirs[w] >= 0 and (lim[w] < 0 or theirs[w] < lim[w]) then lim[w] = theirs[w] end
    end
  end
end
local today = math.floor(now / DAY)
local function fmt(x) return string.format('%.0f', x) end
local function span(w)
  if w == 1 then return SEC + guard elseif w == 2 then return MIN + guard else return DAY end
end
local lost = tonumber(redis.call('HGET', K_META, 'lost') or '0')
local function room(w)
  local left, reset = nil, now
  if lim[w] >= 0 then
    if w < 3 then
      local from = '(' .. fmt(now - span(w))
      local used = redis.call('ZCOUNT', K_LOG, from, '+inf')
      left = lim[w] - used
      if left <= 0 then
        local e = redis.call('ZRANGEBYSCORE', K_LOG, from, '+inf', 'WITHSCORES', 'LIMIT', used - lim[w], 1)
        left, reset = 0, tonumber(e[2]) + span(w)
      end
      -- The store lost what the fleet sent before: count the window full for a span.
      if lost > 0 and now < lost + span(w) then
        left, reset = 0, math.max(reset, lost + span(w))
      end
    else
      local d = redis.call('HMGET', K_DAY, 'd', 'n')
      local n = 0
      if tonumber(d[1]) == today then n = tonumber(d[2]) or 0 end
      left, reset = math.max(lim[w] - n, 0), (today + 1) * DAY
    end
  end
  local c = redis.call('HMGET', K_CAPS, 'a' .. w, 's' .. w, 'e' .. w)
  local expires = tonumber(c[3])
  if expires and expires > now then
    local capped = math.max((tonumber(c[1]) or 0) - (tonumber(c[2]) or 0), 0)
    if left == nil or capped < left then left, reset = capped, expires end
  end
  return left, math.max(reset, now)
end
local function count_day(n)
  local d = redis.call('HGET', K_DAY, 'd')
  if tonumber(d) == today then
    redis.call('HINCRBY', K_DAY, 'n', n)
  else
    redis.call('HSET', K_DAY, 'd', fmt(today), 'n', n)
  end
  redis.call('PEXPIRE', K_DAY, 2 * 86400000)
end
"#;

/// One request: `{0, 0, epoch, now}` when recorded, else `{window, until, epoch, now}`
/// (window 1 second, 2 minute, 3 day, 4 a server-imposed pause). ARGV[6] names the send
/// (unique), ARGV[7] the epoch this process knows (`''`: none yet), ARGV[8] a new epoch's
/// name, ARGV[9..10] this process's own day and count of sends; sends made under the local
/// fallback while Redis was unreachable: ARGV[11] how many on that day, ARGV[12..] the times
/// of those in the last minute.
const ACQUIRE: &str = r#"
local epoch = redis.call('HGET', K_META, 'epoch')
if not epoch then
  epoch = ARGV[8]
  redis.call('HSET', K_META, 'epoch', epoch)
end
local seen = ARGV[7]
if seen ~= '' and seen ~= epoch then
  -- Redis lost its data (a restart without persistence, a failover, a flush): nobody knows
  -- what the fleet sent in the last minute, so the short windows count as full until a
  -- minute after now, and each process adds back its own count of the day.
  if redis.call('HSETNX', K_META, 'lost', fmt(now)) == 1 then lost = now end
  if tonumber(ARGV[9]) == today and tonumber(ARGV[10]) > 0 then count_day(tonumber(ARGV[10])) end
end
if tonumber(ARGV[9]) == today and tonumber(ARGV[11]) > 0 then count_day(tonumber(ARGV[11])) end
for i = 12, #ARGV do
  local sent = tonumber(ARGV[i])
  if sent > now - MIN - guard then redis.call('ZADD', K_LOG, fmt(sent), ARGV[6] .. ':' .. i) end
end
redis.call('ZREMRANGEBYSCORE', K_LOG, '-inf', fmt(now - MIN - guard))
local paused = tonumber(redis.call('GET', K_PAUSE) or '0')
if paused > now then return {4, paused, epoch, now} end
local full, reset_at = 0, 0
for w = 1, 3 do
  local left, reset = room(w)
  if left ~= nil and left <= 0 and reset > reset_at then full, reset_at = w, reset end
end
if full > 0 then return {full, reset_at, epoch, now} end
if lim[1] >= 0 or lim[2] >= 0 then
  redis.call('ZADD', K_LOG, fmt(now), ARGV[6])
  redis.call('PEXPIRE', K_LOG, math.floor((MIN + guard) / 1000) + 1000)
end
count_day(1)
for w = 1, 3 do
  local expires = tonumber(redis.call('HGET', K_CAPS, 'e' .. w))
  if expires and expires > now then redis.call('HINCRBY', K_CAPS, 's' .. w, 1) end
end
return {0, 0, epoch, now}
"#;

/// What the server said of window ARGV[6]: ARGV[7] requests left, until ARGV[8] (0: the
/// window's own span). Only ever lowers the budget.
const OBSERVE: &str = r#"
local w, available, expires = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local left = room(w)
if left == nil or available < left then
  if expires <= now then
    if w == 3 then expires = (today + 1) * DAY else expires = now + span(w) end
  end
  redis.call('HSET', K_CAPS, 'a' .. w, available, 's' .. w, 0, 'e' .. w, fmt(expires))
  redis.call('PEXPIRE', K_CAPS, 2 * 86400000)
end
return 0
"#;

/// Sends nothing for ARGV[6] microseconds from now (a `Retry-After`), unless a longer pause
/// is already set.
const PAUSE: &str = r#"
local untill = now + tonumber(ARGV[6])
local paused = tonumber(redis.call('GET', K_PAUSE) or '0')
if untill > paused then
  redis.call('SET', K_PAUSE, fmt(untill), 'PX', math.floor(tonumber(ARGV[6]) / 1000) + 1000)
end
return 0
"#;

/// `{now, left, reset, limit}` per window, `left` and `limit` -1 for none.
const BUDGET: &str = r#"
local out = {now}
for w = 1, 3 do
  local left, reset = room(w)
  table.insert(out, left or -1)
  table.insert(out, reset)
  table.insert(out, lim[w])
end
return out
"#;

/// Quota state in Redis, shared by every process that uses the same key or OAuth2 app: the
/// same guarantees as [`LocalQuota`], fleet-wide.
///
/// - The second and minute windows slide: no span of that length, wherever it starts, holds
///   more than the limit, counting every process's sends. Each send leaves its window
///   [`guard`](Self::guard) late (default 50 ms), so that the time between the decision
///   and the request reaching Keap cannot squeeze one more into a span at Keap's end.
/// - The day is counted per UTC day.
/// - Caps learned from Keap's quota headers and `Retry-After` pauses hold for every process.
/// - Processes configured with different limits (a rolling deploy from one setting to
///   another) all keep to the strictest of them: each process's limits are kept in Redis
///   while it is active (forgotten five minutes after its last request), and
///   [`budget`](QuotaStore::budget) reports the limits in force.
/// - Each decision is one Lua script (atomic), timed by the Redis server's clock, so clock
///   skew between machines cannot overflow a window.
///
/// Keys are `{prefix}keap:{q:<hash>}:…`, where the hash is of the credential (the key, or
/// the OAuth2 app's client id), never the secret itself: six keys per credential, about
/// one log entry per request in the last minute.
///
/// When Redis cannot be reached, requests wait for it up to
/// [`Quota::store_wait`](super::Quota::store_wait) and then fail with
/// [`Error::QuotaStore`](super::Error::QuotaStore): nothing is ever sent unaccounted. With
/// [`local_fallback`](Self::local_fallback) they go on instead under a local gate at the
/// share of the limits you give; those sends are written to Redis when it is back.
///
/// If Redis loses its data (a restart without persistence, a failover, a flush), nobody
/// knows what the fleet sent in the last minute: the second and minute windows then count
/// as full until a minute (plus the guard) after the loss was noticed, and each process
/// adds back its own count of the day.
pub struct RedisQuota {
    redis: Redis,
    keys: [String; 6],
    quota: Quota,
    guard: Duration,
    fallback: Option<LocalQuota>,
    scripts: Scripts,
    id: String,
    sends: AtomicU64,
    state: Mutex<State>,
}

struct Scripts {
    acquire: redis::Script,
    observe: redis::Script,
    pause: redis::Script,
    budget: redis::Script,
}

/// What this process remembers between calls.
#[derive(Default)]
struct State {
    /// The store's epoch this process last saw (`""`: none yet).
    epoch: String,
    /// This process's own sends on Redis's current day: (day, count).
    own_day: (u64, u64),
    /// Sends made under the local fallback and not yet written to Redis.
    offline: Offline,
    /// Redis's clock minus this process's, in microseconds, as last measured.
    offset_us: i64,
    /// While the fallback is on: when to try Redis again.
    retry_redis_at: Option<SystemTime>,
}

/// Sends made without Redis: how many on the day `own_day` names, and the times (Redis
/// microseconds) of those still inside a minute window.
#[derive(Clone, Default)]
struct Offline {
    count: u64,
    recent: Vec<u64>,
}

const US_PER_DAY: u64 = 86_400_000_000;

impl RedisQuota {
    /// The quota of `auth`'s credential in `redis`, at `quota`'s limits. Use the same limits
    /// in every process of the fleet; where they differ, every process keeps to the
    /// strictest of them (see the type's docs).
    pub fn new(redis: &Redis, auth: &Auth, quota: Quota) -> Self {
        let id = hashed(&auth.quota_identity());
        let key = |name| redis.key("q", &id, name);
        let script = |body| redis::Script::new(&format!("{PRELUDE}{body}"));
        RedisQuota {
            redis: redis.clone(),
            keys: [key("log"), key("day"), key("caps"), key("pause"), key("meta"), key("limits")],
            quota,
            guard: Duration::from_millis(50),
            fallback: None,
            scripts: Scripts {
                acquire: script(ACQUIRE),
                observe: script(OBSERVE),
                pause: script(PAUSE),
                budget: script(BUDGET),
            },
            id: random_id(),
            sends: AtomicU64::new(0),
            state: Mutex::new(State::default()),
        }
    }

    /// How late a send leaves the second and minute windows (default 50 ms): room for
    /// the time between the decision and the request's arrival at Keap.
    pub fn guard(mut self, guard: Duration) -> Self {
        self.guard = guard;
        self
    }

    /// Opts in to going on without Redis: while it is unreachable, this process sends
    /// under a local gate at `share` (for example `Quota::api_key().share(4)` for one of
    /// four workers), so that the fleet together stays within the limits. Without it,
    /// requests wait for Redis and then fail (see the type's docs).
    pub fn local_fallback(mut self, share: Quota) -> Self {
        self.fallback = Some(LocalQuota::new(share));
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An invocation of `script` with the keys and the arguments every script reads first.
    fn invoke<'a>(&'a self, script: &'a redis::Script) -> redis::ScriptInvocation<'a> {
        let mut invocation = script.prepare_invoke();
        for key in &self.keys {
            invocation.key(key);
        }
        for window in Window::ALL {
            invocation.arg(self.quota.limit(window).map_or(-1, i64::from));
        }
        invocation.arg(self.guard.as_micros() as u64).arg(&self.id);
        invocation
    }

    async fn acquire(&self, now: SystemTime) -> Result<Decision, StoreError> {
        // Sends made offline are taken out while this call carries them, and put back if it fails.
        let (epoch, own_day, offline) = {
            let mut s = self.lock();
            if self.fallback.is_some() && s.retry_redis_at.is_some_and(|at| now < at) {
                drop(s);
                return self.without_redis(now, "Redis was unreachable a moment ago".into());
            }
            (s.epoch.clone(), s.own_day, std::mem::take(&mut s.offline))
        };
        let mut invocation = self.invoke(&self.scripts.acquire);
        let send = self.sends.fetch_add(1, Ordering::Relaxed);
        invocation.arg(format!("{}:{send}", self.id)).arg(&epoch).arg(random_id());
        invocation.arg(own_day.0).arg(own_day.1).arg(offline.count);
        for sent in &offline.recent {
            invocation.arg(*sent);
        }
        let (code, until, epoch, redis_now) = match self.redis.run::<(u8, u64, String, u64)>(&invocation).await {
            Ok(answer) => answer,
            Err(e) => {
                let mut s = self.lock();
                s.offline.count += offline.count;
                s.offline.recent.extend(offline.recent);
                drop(s);
                return self.without_redis(now, e);
            }
        };
        let mut s = self.lock();
        s.epoch = epoch;
        s.offset_us = redis_now as i64 - (epoch_ns(now) / 1000) as i64;
        s.retry_redis_at = None;
        if code == 0 {
            s.count_own(redis_now);
            return Ok(Decision::Send);
        }
        let delay = Duration::from_micros(until.saturating_sub(redis_now));
        let window = match code {
            1 => Window::Second,
            2 => Window::Minute,
            3 => Window::Day,
            _ => Window::of_pause(delay),
        };
        Ok(Decision::Wait(Wait { window, until: now + delay }))
    }

    /// Redis did not answer: the local fallback decides, or the caller waits for Redis.
    fn without_redis(&self, now: SystemTime, e: StoreError) -> Result<Decision, StoreError> {
        let Some(local) = &self.fallback else { return Err(e) };
        let mut s = self.lock();
        if s.retry_redis_at.is_none_or(|at| now >= at) {
            tracing::warn!(error = %e, "keap: Redis unreachable, sending under the local fallback quota");
            s.retry_redis_at = Some(now + Duration::from_secs(1));
        }
        match local.try_acquire(now) {
            Ok(()) => {
                let sent = ((epoch_ns(now) / 1000) as i64 + s.offset_us).max(0) as u64;
                if s.own_day.0 != sent / US_PER_DAY {
                    s.offline.count = 0;
                }
                s.count_own(sent);
                s.offline.count += 1;
                // Only the last minute matters to the windows.
                let oldest = sent.saturating_sub(61_000_000);
                s.offline.recent.retain(|t| *t > oldest);
                s.offline.recent.push(sent);
                Ok(Decision::Send)
            }
            Err(wait) => Ok(Decision::Wait(wait)),
        }
    }

    async fn observe(&self, now: SystemTime, observation: Observation) -> Result<(), StoreError> {
        if let Some(local) = &self.fallback {
            local.observe(now, observation);
        }
        let expires = observation.expires.map_or(0, |t| epoch_ns(t) / 1000);
        let mut invocation = self.invoke(&self.scripts.observe);
        invocation.arg(observation.window as u8 + 1).arg(observation.available).arg(expires);
        self.redis.run::<i64>(&invocation).await.map(drop)
    }

    async fn pause(&self, now: SystemTime, until: SystemTime) -> Result<(), StoreError> {
        if let Some(local) = &self.fallback {
            local.pause_until(until);
        }
        let delay = until.duration_since(now).unwrap_or_default();
        let mut invocation = self.invoke(&self.scripts.pause);
        invocation.arg(delay.as_micros() as u64);
        self.redis.run::<i64>(&invocation).await.map(drop)
    }

    async fn budget(&self, now: SystemTime) -> Result<Vec<Budget>, StoreError> {
        let answer: Vec<i64> = self.redis.run(&self.invoke(&self.scripts.budget)).await?;
        let redis_now = answer.first().copied().unwrap_or_default();
        Ok(Window::ALL
            .into_iter()
            .zip(answer[1..].chunks(3))
            .map(|(window, entry)| {
                let (left, reset) = (entry[0], entry.get(1).copied().unwrap_or(redis_now));
                Budget {
                    window,
                    // The fleet's: the strictest limit any process set.
                    limit: entry.get(2).and_then(|l| u32::try_from(*l).ok()),
                    remaining: u32::try_from(left).ok(),
                    resets_at: now + Duration::from_micros(reset.saturating_sub(redis_now).max(0) as u64),
                }
            })
            .collect())
    }
}

impl State {
    fn count_own(&mut self, at_us: u64) {
        let day = at_us / US_PER_DAY;
        self.own_day = if self.own_day.0 == day { (day, self.own_day.1 + 1) } else { (day, 1) };
    }
}

impl QuotaStore for RedisQuota {
    fn try_acquire(&self, now: SystemTime) -> QuotaFuture<'_, Result<Decision, StoreError>> {
        QuotaFuture::pending(self.acquire(now))
    }

    fn observe(&self, now: SystemTime, observation: Observation) -> QuotaFuture<'_, Result<(), StoreError>> {
        QuotaFuture::pending(RedisQuota::observe(self, now, observation))
    }

    fn pause_until(&self, now: SystemTime, until: SystemTime) -> QuotaFuture<'_, Result<(), StoreError>> {
        QuotaFuture::pending(self.pause(now, until))
    }

    fn budget(&self, now: SystemTime) -> QuotaFuture<'_, Result<Vec<Budget>, StoreError>> {
        QuotaFuture::pending(RedisQuota::budget(self, now))
    }
}

impl std::fmt::Debug for RedisQuota {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisQuota")
            .field("redis", &self.redis)
            .field("quota", &self.quota)
            .field("guard", &self.guard)
            .field("local_fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}
