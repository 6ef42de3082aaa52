//! Keap's `filter` parameter: one string with its own grammar. Clauses are `field==value`,
//! `field>value` (and `<`, `>=`, `<=`, `!=`) joined by `;`; a trailing `*` matches a prefix;
//! a list is comma-separated (`ids==1,2,3`). The query encoder percent-encodes the result.

use std::fmt;

/// Builds a `filter` string: `Filter::new().eq("given_name", "Mary").starts_with("email", "mary")`.
/// Pass it where a builder takes a filter (`.filter(f)`), or use the raw string form instead.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    clauses: Vec<String>,
}

impl Filter {
    /// An empty filter.
    pub fn new() -> Self {
        Filter::default()
    }

    fn clause(mut self, field: &str, op: &str, value: &str) -> Self {
        self.clauses.push(format!("{field}{op}{}", clean(value)));
        self
    }

    /// `field==value`.
    pub fn eq(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, "==", &value.to_string())
    }

    /// `field!=value`.
    pub fn ne(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, "!=", &value.to_string())
    }

    /// `field>value` (numbers, dates).
    pub fn gt(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, ">", &value.to_string())
    }

    /// `field>=value`.
    pub fn ge(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, ">=", &value.to_string())
    }

    /// `field<value`.
    pub fn lt(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, "<", &value.to_string())
    }

    /// `field<=value`.
    pub fn le(self, field: &str, value: impl fmt::Display) -> Self {
        self.clause(field, "<=", &value.to_string())
    }

    /// `field==prefix*`: values starting with `prefix`.
    pub fn starts_with(self, field: &str, prefix: impl fmt::Display) -> Self {
        let prefix = format!("{}*", clean(&prefix.to_string()).replace('*', ""));
        self.clause(field, "==", &prefix)
    }

    /// `field==a,b,c`: any of the values.
    pub fn any_of<V: fmt::Display>(self, field: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list: Vec<String> = values.into_iter().map(|v| clean(&v.to_string()).replace(',', "")).collect();
        self.clause(field, "==", &list.join(","))
    }

    /// Whether no clause was added.
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// A value cannot carry the grammar's separator: `;` would start a new clause.
fn clean(value: &str) -> String {
    value.replace(';', "")
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.clauses.join(";"))
    }
}

impl From<Filter> for String {
    fn from(f: Filter) -> String {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_keap_filter_strings() {
        let f = Filter::new()
            .eq("given_name", "Mary")
            .starts_with("email", "mary")
            .ge("create_time", "2024-01-01T00:00:00Z")
            .lt("score", 10)
            .any_of("ids", [1, 2, 3]);
        assert_eq!(
            f.to_string(),
            "given_name==Mary;email==mary*;create_time>=2024-01-01T00:00:00Z;score<10;ids==1,2,3"
        );
        assert_eq!(Filter::new().eq("a", "x;b==y").to_string(), "a==xb==y", "a value cannot add a clause");
        // Sent as a query value, the grammar's characters are percent-encoded.
        let mut req = super::super::Request::new(reqwest::Method::GET, "op", "/x", "/x".into());
        req.query("filter", &String::from(Filter::new().eq("email", "a+b@x.com").gt("id", 5)));
        assert_eq!(req.query_string(), "filter=email%3D%3Da%2Bb@x.com%3Bid%3E5");
    }
}
