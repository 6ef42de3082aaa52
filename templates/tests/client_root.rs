//! The generated `Client`'s own methods (`templates/root/client.rs`), compiled on a `Client`
//! built as the generated crate root builds it.

use keapgen_runtime::runtime::{self, Auth, ClientBuilder, Error, Quota, Tokens};

const DEFAULT_BASE_URL: &str = "http://127.0.0.1:9";

#[derive(Clone, Debug)]
struct Client {
    transport: runtime::Transport,
}

impl From<runtime::Transport> for Client {
    fn from(transport: runtime::Transport) -> Self {
        Client { transport }
    }
}

include!("../root/client.rs");

#[tokio::test]
async fn the_methods_reach_the_transport() {
    let client = Client::builder().auth(Auth::api_key("k")).quota(Quota::api_key()).build().unwrap();
    assert!(client.tokens().is_none(), "a key has no OAuth2 tokens");
    let budgets = client.quota().await.unwrap();
    assert_eq!(budgets.len(), 3, "second, minute and day: {budgets:?}");
    let raw = client.raw(runtime::Method::GET, "/v2/anything");
    let _ = (raw, client.transport());
    Client::new().expect("a client with default settings");
}
