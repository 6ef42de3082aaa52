// The generated `Client`'s own methods. keapgen puts the items of this `impl` into the crate
// root's `impl Client`, beside one accessor per group; their names are
// `naming::ClientMethod`, which accessors may not take. templates/tests/client_root.rs
// compiles and tests this file against the runtime.
impl Client {
    /// A client for [`DEFAULT_BASE_URL`] with default settings.
    pub fn new() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// A builder to set the base URL, timeout or HTTP client.
    pub fn builder() -> ClientBuilder<Self> {
        ClientBuilder::new(DEFAULT_BASE_URL)
    }

    /// The transport every operation sends through.
    pub fn transport(&self) -> &runtime::Transport {
        &self.transport
    }

    /// What each quota window (second, minute, day) has left, as the quota store
    /// sees it (with a shared store, the whole fleet's). Fails only when a shared
    /// store cannot be reached.
    pub async fn quota(&self) -> Result<Vec<runtime::Budget>, Error> {
        self.transport.quota().await
    }

    /// The OAuth2 token pair in use (the newest, saved or not); `None` for other
    /// credentials.
    pub fn tokens(&self) -> Option<Tokens> {
        self.transport.tokens()
    }

    /// A call to any method and path (relative to the base URL), for what the spec
    /// does not have yet, with this client's credentials, quota, retries, tracing
    /// and errors: see [`RawRequest`](runtime::RawRequest).
    pub fn raw(&self, method: runtime::Method, path: &str) -> runtime::RawRequest {
        self.transport.raw(method, path)
    }
}
