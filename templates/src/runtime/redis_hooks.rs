//! [`Dedupe`] on Redis (the `redis` and `hooks` features): a fleet of receivers behind a load
//! balancer fetches each event once, whichever process Keap's repeated delivery reaches.

use super::error::Error;
use super::hook_fetch::{Claim, Dedupe, HookFuture};
use super::redis_link::Redis;
use std::time::Duration;

/// Claims each key neither done nor held by another: 1 claimed (or already the caller's),
/// 2 done, 3 held by another.
const CLAIM: &str = r"
local answers = {}
local mine = 'held:' .. ARGV[1]
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if value == false or value == mine then
    redis.call('SET', key, mine, 'PX', ARGV[2])
    answers[i] = 1
  elseif value == 'done' then
    answers[i] = 2
  else
    answers[i] = 3
  end
end
return answers
";

const COMPLETE: &str = r"
for _, key in ipairs(KEYS) do
  redis.call('SET', key, 'done', 'PX', ARGV[1])
end
return 1
";

/// Deletes only the caller's own claims: after its lease another process may hold one.
const RELEASE: &str = r"
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == 'held:' .. ARGV[1] then
    redis.call('DEL', key)
  end
end
return 1
";

/// Hook events remembered in Redis, shared by every process given the same [`Redis`]
/// (keys `{prefix}keap:{hooks:seen}:<event key>|<id>|<timestamp>`, each expiring by
/// itself; nothing secret in them).
#[derive(Clone, Debug)]
pub struct RedisDedupe {
    redis: Redis,
}

impl RedisDedupe {
    /// Events remembered in `redis`.
    pub fn new(redis: &Redis) -> RedisDedupe {
        RedisDedupe { redis: redis.clone() }
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &str,
        events: &[String],
        args: &[String],
    ) -> Result<T, Error> {
        let script = redis::Script::new(script);
        let mut invocation = script.prepare_invoke();
        for e in events {
            invocation.key(self.redis.key("hooks", "seen", e));
        }
        for a in args {
            invocation.arg(a);
        }
        self.redis.run::<T>(&invocation).await.map_err(|e| Error::HookStore(e.to_string()))
    }
}

/// Milliseconds for `PX`, within what Redis takes (ten years at most).
fn millis(d: Duration) -> String {
    d.as_millis().clamp(1, 10 * 365 * 24 * 3600 * 1000).to_string()
}

impl Dedupe for RedisDedupe {
    fn claim<'a>(
        &'a self,
        holder: &'a str,
        events: &'a [String],
        lease: Duration,
    ) -> HookFuture<'a, Result<Vec<Claim>, Error>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(Vec::new());
            }
            let claimed: Vec<i64> = self.run(CLAIM, events, &[holder.to_owned(), millis(lease)]).await?;
            Ok(claimed
                .into_iter()
                .map(|c| match c {
                    1 => Claim::Claimed,
                    2 => Claim::Done,
                    _ => Claim::Held,
                })
                .collect())
        })
    }

    fn complete<'a>(
        &'a self,
        _holder: &'a str,
        events: &'a [String],
        keep: Duration,
    ) -> HookFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(());
            }
            self.run::<i64>(COMPLETE, events, &[millis(keep)]).await.map(drop)
        })
    }

    fn release<'a>(&'a self, holder: &'a str, events: &'a [String]) -> HookFuture<'a, Result<(), Error>> {
        Box::pin(async move {
            if events.is_empty() {
                return Ok(());
            }
            self.run::<i64>(RELEASE, events, &[holder.to_owned()]).await.map(drop)
        })
    }
}
