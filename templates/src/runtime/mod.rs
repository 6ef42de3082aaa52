//! The hand-written runtime of this crate: the transport that sends requests, the error
//! type, and the value types generated code is made of.
//!
//! Generated operations only describe requests ([`Request`]); this module sends them.
//! Everything here refers to its siblings with `super::`, so it works both as a module
//! of a generated crate and as the root of keapgen's runtime crate.

mod auth;
mod client;
mod clock;
mod custom_fields;
mod download;
mod error;
mod filter;
#[cfg(feature = "axum")]
mod hook_axum;
#[cfg(feature = "hooks")]
mod hook_fetch;
#[cfg(feature = "hooks")]
mod hook_upkeep;
#[cfg(feature = "hooks")]
mod hooks_receiver;
mod ids;
mod intercept;
#[cfg(feature = "testing")]
mod mock_decode;
#[cfg(feature = "testing")]
mod mock_expect;
#[cfg(feature = "testing")]
mod mock_hooks;
#[cfg(feature = "testing")]
mod mock_server;
#[cfg(feature = "testing")]
mod mock_wire;
mod money;
mod object;
mod options;
mod outcomes;
mod paginate;
mod quota;
mod raw;
#[cfg(all(feature = "redis", feature = "hooks"))]
mod redis_hooks;
#[cfg(feature = "redis")]
mod redis_link;
#[cfg(feature = "redis")]
mod redis_quota;
#[cfg(feature = "redis")]
mod redis_tokens;
mod request;
mod response;
mod retry;
mod time;
mod tokens;
mod upload;
mod values;
mod window;

pub use auth::{Auth, OAuth2Builder, API_KEY_HEADER, DEFAULT_TOKEN_URL};
pub use client::{ClientBuilder, Event, EventHook, Transport};
pub use clock::{Clock, SleepFuture, TokioClock};
pub use custom_fields::{CustomField, CustomFields, CustomValue, CustomValues, FieldKind, FieldOption};
pub use download::Download;
pub use error::{
    ApiError, ApiErrorBody, AuthError, AuthErrorKind, CustomFieldError, CustomFieldErrorKind, Error, PartialFailure,
};
pub use filter::{Filter, FilterArg, FilterValue};
/// REST Hooks (the `hooks` feature): be told about changes instead of polling for them.
///
/// - [`Receiver`](hooks::Receiver) answers Keap at the hook URL: the handshake (the secret
///   repeated in the `X-Hook-Secret` header, or kept for a delayed verification), deliveries
///   parsed into [`Delivery`](hooks::Delivery) and acknowledged at once, anything else
///   refused with a 4xx saying why (never 410, which would end the subscription).
/// - [`HookUrls`](hooks::HookUrls): Keap signs no delivery; each hook URL carries an
///   unguessable token per event key, checked by the receiver.
/// - [`Changes`](hooks::Changes) turns deliveries into records, fetched through the client in
///   batches, each event once in a process ([`LocalDedupe`](hooks::LocalDedupe)) or a fleet
///   (`RedisDedupe`, with the `redis` feature).
/// - [`Upkeep`](hooks::Upkeep) keeps one `Verified` subscription per event key.
/// - `axum::route` (the `axum` feature) mounts the receiver in an axum server.
#[cfg(feature = "hooks")]
pub mod hooks {
    /// The receiver as an axum route (the `axum` feature).
    #[cfg(feature = "axum")]
    pub mod axum {
        pub use super::super::hook_axum::route;
    }
    pub use super::hook_fetch::{
        Changes, Claim, Dedupe, Fetched, Found, GetById, HookFuture, ListByIds, LocalDedupe, RecordSource,
    };
    pub use super::hook_upkeep::{
        create_subscription, delete_subscription, list_subscriptions, verify, verify_delayed, Action, HookStatus, Kept,
        Subscription, Upkeep, UpkeepReport, HOOKS_PATH,
    };
    pub use super::hooks_receiver::{
        Answer, ChangedObject, Delivery, EventKey, HookRequest, HookUrls, PendingSecrets, Received, Receiver, Refusal,
        Verification, MAX_BODY, SECRET_HEADER,
    };
    #[cfg(feature = "redis")]
    pub use super::redis_hooks::RedisDedupe;
}
/// The test kit (the `testing` feature): a Keap on 127.0.0.1 for an application's tests.
///
/// - [`MockKeap`](testing::MockKeap) starts in one line, hands out clients pointed at it,
///   and fails the test when dropped if a request was unexpected or an expectation unmet.
/// - [`Expect`](testing::Expect) is one operation's expectation, typed by that operation
///   ([`Operation`](testing::Operation), written by keapgen for each): partial parameters
///   and bodies, typed answers, pages with page tokens or offsets, interruptions.
/// - [`Answer`](testing::Answer): Keap's error bodies, its 429, slow answers, dropped
///   connections.
/// - Keap's behaviour on demand: quotas with Keap's headers, an OAuth2 token endpoint that
///   rotates refresh tokens, REST Hooks with the handshake and deliveries.
#[cfg(feature = "testing")]
pub mod testing {
    pub use super::mock_decode::Incoming;
    pub use super::mock_expect::{same, Call, Calls, Expect, Listing, NoBody, Operation, Paging};
    pub use super::mock_hooks::{DeliveryPost, DeliveryReport, MockSubscription};
    pub use super::mock_server::MockKeap;
    pub use super::mock_wire::{Answer, Media, Received};
}
pub use ids::{Id, IdError, NumId, Record};
pub use intercept::{AfterAttempt, BeforeAttempt, Interceptor, InterceptorFuture};
pub use money::{Amount, MinorUnits, MoneyError};
pub use options::RequestOptions;
pub use paginate::{Items, Pages, Paginated, Resume, MAX_PAGE_FAILURES};
pub use quota::{Budget, Decision, LocalQuota, Observation, Quota, QuotaFuture, QuotaStore, StoreError, Wait};
pub use raw::RawRequest;
#[cfg(feature = "redis")]
pub use redis_link::Redis;
#[cfg(feature = "redis")]
pub use redis_quota::RedisQuota;
#[cfg(feature = "redis")]
pub use redis_tokens::RedisTokens;
/// HTTP methods, for [`RawRequest`] (`Method::GET`).
pub use request::Method;
pub use response::{Response, REQUEST_ID_HEADER};
pub use retry::RetryPolicy;
pub use time::Timestamp;
pub use tokens::{OnRefresh, RefreshLease, Secret, StoreFuture, TokenStore, Tokens};
pub use values::{Date, DateTime, FilePart};
pub use window::Window;

// What generated code calls: public because generated modules (and golden crates built
// on this runtime as a dependency) must reach it, hidden because users never need it.
#[doc(hidden)]
pub use object::{plain, within, Fields};
#[doc(hidden)]
pub use outcomes::per_record;
#[doc(hidden)]
pub use paginate::{next_offset, next_token};
#[doc(hidden)]
pub use quota::{observations, OnWait, QuotaGate};
#[doc(hidden)]
pub use request::{encode_path, json_text, set_fields, simple_text, Request};
#[doc(hidden)]
pub use values::{
    lenient_number, lenient_option_number, lenient_option_string, lenient_option_strings, lenient_option_vec,
    lenient_string, lenient_strings, lenient_vec, null_as_default, ToParam, ToParams,
};

/// The axum this crate's hook route is for (the `axum` feature), with its server
/// (`axum::serve`): build the application's router with it, and the versions always match.
#[cfg(feature = "axum")]
pub use axum;
/// The `Stream` trait [`Pages`] and [`Items`] implement.
/// Chunks of bytes: what a [`Download`] yields and [`FilePart::from_stream`] takes.
pub use bytes::Bytes;
pub use futures_core::Stream;
/// The HTTP client crate underneath, for [`ClientBuilder::http_client`].
pub use reqwest;

/// Re-exports used by generated code and macros; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use super::values::{deserialize_integer, deserialize_scalar_string};
    pub use serde;
    pub use serde_json;
}

/// Implements the string-enum traits for a generated enum that has a `VALUES` table and an
/// `Unknown(String)` variant: decoding never fails, values it does not know are kept.
#[doc(hidden)]
#[macro_export]
macro_rules! __keap_string_enum {
    ($name:ident) => {
        impl $name {
            /// The value as it travels on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    Self::Unknown(other) => other,
                    known => Self::VALUES.iter().find(|(v, _)| v == known).map_or("", |(_, s)| s),
                }
            }
        }

        // By wire text, not by variant: the order of the spec's values (which a new value
        // shifts) is no part of the API. A listed value sorts before an `Unknown` of the
        // same text, so `Equal` means equal.
        impl ::core::cmp::Ord for $name {
            fn cmp(&self, other: &Self) -> ::core::cmp::Ordering {
                let unknown = |v: &Self| matches!(v, Self::Unknown(_));
                self.as_str().cmp(other.as_str()).then_with(|| unknown(self).cmp(&unknown(other)))
            }
        }

        impl ::core::cmp::PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<::core::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl ::core::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match Self::VALUES.iter().find(|(_, s)| *s == value) {
                    Some((known, _)) => known.clone(),
                    None => Self::Unknown(value.to_owned()),
                }
            }
        }

        impl ::core::convert::From<String> for $name {
            fn from(value: String) -> Self {
                match Self::VALUES.iter().find(|(_, s)| *s == value) {
                    Some((known, _)) => known.clone(),
                    None => Self::Unknown(value),
                }
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::core::default::Default for $name {
            /// An empty `Unknown`: what a missing or `null` required value decodes to.
            fn default() -> Self {
                Self::Unknown(String::new())
            }
        }

        impl $crate::runtime::FilterValue for $name {
            fn filter_text(&self) -> Result<::std::borrow::Cow<'_, str>, ::std::string::String> {
                Ok(::std::borrow::Cow::Borrowed(self.as_str()))
            }
        }

        impl $crate::runtime::ToParam for $name {
            fn to_param(&self) -> Option<::std::borrow::Cow<'_, str>> {
                Some(::std::borrow::Cow::Borrowed(self.as_str()))
            }
        }

        impl $crate::runtime::__private::serde::Serialize for $name {
            fn serialize<S: $crate::runtime::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::runtime::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::runtime::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::runtime::__private::deserialize_scalar_string(d).map(Self::from)
            }
        }
    };
}

#[doc(hidden)]
pub use crate::__keap_string_enum as string_enum;

/// Implements the integer-enum traits for a generated enum that has a `VALUES` table and an
/// `Unknown(i64)` variant: it travels as a JSON number, reads numbers and numeric strings,
/// and keeps integers it does not list.
#[doc(hidden)]
#[macro_export]
macro_rules! __keap_int_enum {
    ($name:ident) => {
        impl $name {
            /// The value as it travels on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    Self::Unknown(other) => *other,
                    known => Self::VALUES.iter().find(|(v, _)| v == known).map_or(0, |(_, n)| *n),
                }
            }
        }

        impl ::core::convert::From<i64> for $name {
            fn from(value: i64) -> Self {
                match Self::VALUES.iter().find(|(_, n)| *n == value) {
                    Some((known, _)) => *known,
                    None => Self::Unknown(value),
                }
            }
        }

        impl ::core::convert::From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.value()
            }
        }

        impl ::core::str::FromStr for $name {
            type Err = ::core::num::ParseIntError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                value.trim().parse::<i64>().map(Self::from)
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.value(), f)
            }
        }

        impl $crate::runtime::ToParam for $name {
            fn to_param(&self) -> Option<::std::borrow::Cow<'_, str>> {
                Some(::std::borrow::Cow::Owned(self.value().to_string()))
            }
        }

        impl $crate::runtime::__private::serde::Serialize for $name {
            fn serialize<S: $crate::runtime::__private::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_i64(self.value())
            }
        }

        impl<'de> $crate::runtime::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::runtime::__private::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::runtime::__private::deserialize_integer(d).map(Self::from)
            }
        }
    };
}

#[doc(hidden)]
pub use crate::__keap_int_enum as int_enum;
