//! Money as exact numbers. Keap's amounts travel as JSON numbers, some in the currency's
//! main unit (dollars: `60.67`), some in its smallest (cents: `6067`); a float loses cents
//! (`1.10 + 2.20` is `3.3000000000000003`, `(19.99 * 100.0) as i64` is 1998) and a bare
//! integer does not say its unit. So money fields are [`Amount`] or [`MinorUnits`], and
//! nothing converts into either by accident: no `From<f64>`, no `From<i64>`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Decimals an [`Amount`] keeps at most: far more than any currency has.
const MAX_SCALE: u32 = 18;

/// An exact amount of money in the currency's main unit: dollars for USD, so `60.67` is
/// sixty dollars and sixty-seven cents. It keeps the decimals it was written with (`"3.30"`
/// stays `3.30`, on the wire too), adds and subtracts without rounding, and compares by
/// value (`3.3 == 3.30`).
///
/// Made from text (`"60.67".parse::<Amount>()`), from whole units ([`Amount::from_units`]),
/// from smallest units ([`Amount::from_minor`], [`MinorUnits::to_amount`]) or, when a float
/// is all you have, by [`Amount::try_from_f64`], which takes the float's shortest text.
///
/// `"1.10"` plus `"2.20"` is `3.30`, and `"19.99"` is exactly 1999 cents
/// (`.to_minor(2)`), where floats give `3.3000000000000003` and 1998.
#[derive(Clone, Copy, Default)]
pub struct Amount {
    /// The value times `10^scale`.
    units: i128,
    /// Decimals; below zero for a number written with an exponent (`1.8e308`), whose
    /// trailing zeros are not stored.
    scale: i32,
}

/// Why a text, float or conversion gives no exact [`Amount`] or [`MinorUnits`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoneyError(String);

impl fmt::Display for MoneyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MoneyError {}

/// `10^n`, if it fits.
fn pow10(n: i32) -> Option<i128> {
    10i128.checked_pow(u32::try_from(n).ok()?)
}

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount { units: 0, scale: 0 };

    /// `units` whole units of the currency: `Amount::from_units(60)` is 60 dollars.
    pub fn from_units(units: i64) -> Self {
        Amount { units: i128::from(units), scale: 0 }
    }

    /// `minor` smallest units of a currency with `decimals` of them to the unit:
    /// `Amount::from_minor(6067, 2)` is 60.67. At most 18 decimals.
    pub fn from_minor(minor: i64, decimals: u32) -> Self {
        Amount { units: i128::from(minor), scale: decimals.min(MAX_SCALE) as i32 }
    }

    /// The float's shortest decimal text as an amount: `60.67` (the float) is `60.67`.
    /// Refuses NaN and infinities. Prefer text or integers: a float that was computed
    /// (`1.1 + 2.2`) is refused only if its text is longer than 18 decimals, and is taken
    /// as the float it is (`3.3000000000000003`).
    pub fn try_from_f64(value: f64) -> Result<Self, MoneyError> {
        if !value.is_finite() {
            return Err(MoneyError(format!("{value} is not an amount of money")));
        }
        // Rust prints the shortest text that reads back as the same float, never exponents.
        value.to_string().parse()
    }

    /// The amount as a float, for display or arithmetic where a cent may be lost.
    pub fn to_f64(self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The number of decimals it was written with (`3.30` has 2).
    pub fn scale(self) -> u32 {
        self.scale.max(0).unsigned_abs()
    }

    /// In smallest units of a currency with `decimals` of them to the unit: `60.67` is
    /// `6067` cents. An amount with more decimals than that (`60.675`) is an error: round it
    /// first ([`Amount::round`]) if rounding is what you mean.
    pub fn to_minor(self, decimals: u32) -> Result<MinorUnits, MoneyError> {
        let t = self.trimmed();
        let decimals = decimals.min(MAX_SCALE) as i32;
        let minor = (t.scale <= decimals)
            .then(|| t.rescale(decimals))
            .flatten()
            .and_then(|a| i64::try_from(a.units).ok())
            .ok_or_else(|| MoneyError(format!("{self} is not a whole number of units with {decimals} decimals")))?;
        Ok(MinorUnits(minor))
    }

    /// Rounded to `decimals`, halves away from zero (`0.125` → `0.13`, `-0.125` → `-0.13`).
    pub fn round(self, decimals: u32) -> Self {
        let decimals = decimals.min(MAX_SCALE) as i32;
        if decimals >= self.scale {
            return self;
        }
        // Rounding away more than 38 digits leaves zero (or one unit, for a half or more).
        let Some(div) = pow10(self.scale - decimals) else {
            return Amount { units: 0, scale: decimals };
        };
        let (q, r) = (self.units / div, self.units % div);
        let up = r.abs() * 2 >= div;
        Amount { units: if up { q + self.units.signum() } else { q }, scale: decimals }
    }

    /// Whether it is zero.
    pub fn is_zero(self) -> bool {
        self.units == 0
    }

    /// Whether it is below zero.
    pub fn is_negative(self) -> bool {
        self.units < 0
    }

    /// The sum, or `None` on overflow (beyond about 10^20 units).
    pub fn checked_add(self, other: Amount) -> Option<Amount> {
        let scale = self.scale.max(other.scale);
        let (a, b) = (self.rescale(scale)?, other.rescale(scale)?);
        Some(Amount { units: a.units.checked_add(b.units)?, scale })
    }

    /// The difference, or `None` on overflow.
    pub fn checked_sub(self, other: Amount) -> Option<Amount> {
        self.checked_add(-other)
    }

    /// Times a quantity, or `None` on overflow.
    pub fn checked_mul(self, quantity: i64) -> Option<Amount> {
        Some(Amount { units: self.units.checked_mul(i128::from(quantity))?, scale: self.scale })
    }

    /// The same value with `scale` decimals, if none are lost and it fits.
    fn rescale(self, scale: i32) -> Option<Amount> {
        match scale.cmp(&self.scale) {
            Ordering::Equal => Some(self),
            _ if self.units == 0 => Some(Amount { units: 0, scale }),
            Ordering::Greater => Some(Amount { units: self.units.checked_mul(pow10(scale - self.scale)?)?, scale }),
            Ordering::Less => {
                let div = pow10(self.scale - scale)?;
                (self.units % div == 0).then(|| Amount { units: self.units / div, scale })
            }
        }
    }

    /// Without trailing zeros: the one form each value has (for `Eq` and `Hash`).
    fn trimmed(self) -> Amount {
        let mut a = self;
        while a.units != 0 && a.units % 10 == 0 {
            a = Amount { units: a.units / 10, scale: a.scale - 1 };
        }
        a
    }

    fn overflow(what: &str) -> ! {
        panic!("amount overflow in {what}: use the checked_ methods for values beyond about 10^20")
    }
}

impl FromStr for Amount {
    type Err = MoneyError;

    /// Decimal text: `60.67`, `-5`, `+0.5`, `1e3`, `6.067E1`; spaces around it are ignored.
    fn from_str(text: &str) -> Result<Self, MoneyError> {
        let bad = || MoneyError(format!("`{text}` is not an amount of money (write it like `60.67`)"));
        let t = text.trim();
        let (mantissa, exponent) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (t, 0),
        };
        let (negative, digits) = match mantissa.as_bytes().first() {
            Some(b'-') => (true, &mantissa[1..]),
            Some(b'+') => (false, &mantissa[1..]),
            _ => (false, mantissa),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() || !whole.bytes().chain(fraction.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let mut units: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            units = units.checked_mul(10).and_then(|u| u.checked_add(i128::from(b - b'0'))).ok_or_else(bad)?;
        }
        // Exponents this far out are no amount of money; the bound keeps the text small.
        if !(-400..=400).contains(&exponent) {
            return Err(bad());
        }
        let scale = i32::try_from(fraction.len()).map_err(|_| bad())? - exponent;
        let mut a = Amount { units, scale };
        if a.scale > MAX_SCALE as i32 {
            // Trailing zeros beyond the limit are no loss; other digits would be.
            a = a.trimmed();
            if a.scale > MAX_SCALE as i32 {
                return Err(MoneyError(format!("`{text}` has more than {MAX_SCALE} decimals")));
            }
        }
        Ok(if negative { -a } else { a })
    }
}

impl fmt::Display for Amount {
    /// Exact, with the decimals it was written with: `3.30`, `-0.05`, `60`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut digits = self.units.unsigned_abs().to_string();
        let sign = if self.units < 0 { "-" } else { "" };
        if self.scale <= 0 {
            if self.units != 0 {
                digits.extend(std::iter::repeat_n('0', self.scale.unsigned_abs() as usize));
            }
            return write!(f, "{sign}{digits}");
        }
        let scale = self.scale.unsigned_abs() as usize;
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (whole, fraction) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{whole}.{fraction}")
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Amount {}

impl std::hash::Hash for Amount {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let t = self.trimmed();
        (t.units, t.scale).hash(state);
    }
}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.trimmed(), other.trimmed());
        let scale = a.scale.max(b.scale);
        match (a.rescale(scale), b.rescale(scale)) {
            (Some(a), Some(b)) => a.units.cmp(&b.units),
            // Too large to line up (beyond 10^20): the sign and size decide.
            _ => a.to_f64().total_cmp(&b.to_f64()),
        }
    }
}

impl std::ops::Neg for Amount {
    type Output = Amount;
    fn neg(self) -> Amount {
        Amount { units: -self.units, scale: self.scale }
    }
}

impl std::ops::Add for Amount {
    type Output = Amount;
    /// Exact; panics on overflow (beyond about 10^20), like integer addition in debug builds.
    fn add(self, other: Amount) -> Amount {
        self.checked_add(other).unwrap_or_else(|| Amount::overflow("addition"))
    }
}

impl std::ops::Sub for Amount {
    type Output = Amount;
    fn sub(self, other: Amount) -> Amount {
        self.checked_sub(other).unwrap_or_else(|| Amount::overflow("subtraction"))
    }
}

impl std::ops::AddAssign for Amount {
    fn add_assign(&mut self, other: Amount) {
        *self = *self + other;
    }
}

impl std::ops::SubAssign for Amount {
    fn sub_assign(&mut self, other: Amount) {
        *self = *self - other;
    }
}

impl std::ops::Mul<i64> for Amount {
    type Output = Amount;
    /// Times a quantity: `price * 3`.
    fn mul(self, quantity: i64) -> Amount {
        self.checked_mul(quantity).unwrap_or_else(|| Amount::overflow("multiplication"))
    }
}

impl std::iter::Sum for Amount {
    fn sum<I: Iterator<Item = Amount>>(iter: I) -> Amount {
        iter.fold(Amount::ZERO, |a, b| a + b)
    }
}

impl<'a> std::iter::Sum<&'a Amount> for Amount {
    fn sum<I: Iterator<Item = &'a Amount>>(iter: I) -> Amount {
        iter.copied().sum()
    }
}

impl Serialize for Amount {
    /// A JSON number with exactly its digits (`3.30`), never a float's approximation.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match serde_json::value::RawValue::from_string(self.to_string()) {
            Ok(raw) => raw.serialize(s),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

impl<'de> Deserialize<'de> for Amount {
    /// A JSON number or numeric text; a number is read by its shortest text, so `60.67`
    /// is exactly 60.67.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::Number(n) => n.to_string().parse().map_err(D::Error::custom),
            serde_json::Value::String(s) => s.parse().map_err(D::Error::custom),
            other => Err(D::Error::custom(format!("{other} is not an amount of money"))),
        }
    }
}

impl super::ToParam for Amount {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.to_string()))
    }
}

impl super::FilterValue for Amount {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Owned(self.to_string()))
    }
}

/// An amount of money in the currency's smallest unit: cents for USD, so `6067` is $60.67.
/// Made explicitly ([`MinorUnits::new`]) so that a bare integer never passes for money, and
/// turned into an [`Amount`] with the currency's decimals ([`MinorUnits::to_amount`]).
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MinorUnits(i64);

impl MinorUnits {
    /// `minor` smallest units (cents for USD).
    pub const fn new(minor: i64) -> Self {
        MinorUnits(minor)
    }

    /// The number of smallest units.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// In the currency's main unit, for a currency with `decimals` smallest units to the unit
    /// (2 for USD and EUR, 0 for JPY): `6067` with 2 is `60.67`.
    pub fn to_amount(self, decimals: u32) -> Amount {
        Amount::from_minor(self.0, decimals)
    }

    /// In the main unit of the currency named by its ISO 4217 code, as a `CurrencyValue`
    /// carries it (`currency_code`): `6067` in `"USD"` is `60.67`, in `"JPY"` `6067`, in
    /// `"KWD"` `6.067`. A code that is not three letters is an error, not a guess.
    pub fn to_amount_in(self, currency_code: &str) -> Result<Amount, MoneyError> {
        Ok(self.to_amount(currency_decimals(currency_code)?))
    }
}

/// Decimals of a currency's main unit (its ISO 4217 minor unit): 2 unless listed.
fn currency_decimals(code: &str) -> Result<u32, MoneyError> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(MoneyError(format!("`{code}` is not an ISO 4217 currency code (like `USD`)")));
    }
    const NONE: [&str; 17] = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF",
        "XPF",
    ];
    const THREE: [&str; 7] = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    const FOUR: [&str; 2] = ["CLF", "UYW"];
    Ok(if NONE.contains(&code.as_str()) {
        0
    } else if THREE.contains(&code.as_str()) {
        3
    } else if FOUR.contains(&code.as_str()) {
        4
    } else {
        2
    })
}

impl fmt::Debug for MinorUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MinorUnits({})", self.0)
    }
}

impl fmt::Display for MinorUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for MinorUnits {
    type Err = MoneyError;
    fn from_str(text: &str) -> Result<Self, MoneyError> {
        text.trim()
            .parse()
            .map(MinorUnits)
            .map_err(|_| MoneyError(format!("`{text}` is not a whole number of smallest units (cents)")))
    }
}

impl Serialize for MinorUnits {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> Deserialize<'de> for MinorUnits {
    /// A JSON number or numeric text that is a whole number (`6067`, `6067.0`); `60.67` is
    /// an error, never rounded.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // The number fields' reading; only a missing value, fine for an `Option`, is refused.
        super::values::lenient_option_number(d)?
            .ok_or_else(|| D::Error::custom("no number of smallest units (null or empty)"))
    }
}

impl super::ToParam for MinorUnits {
    fn to_param(&self) -> Option<Cow<'_, str>> {
        Some(Cow::Owned(self.0.to_string()))
    }
}

impl super::FilterValue for MinorUnits {
    fn filter_text(&self) -> Result<Cow<'_, str>, String> {
        Ok(Cow::Owned(self.0.to_string()))
    }
}

#[cfg(test)]
#[path = "tests/money.rs"]
mod tests;
