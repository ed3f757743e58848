//! Python's `str()` of JSON-shaped values, for the reference body hash.
//!
//! The reference hashes `str(value)` of each hashed field of the synapse as Python renders it:
//! `[1, 2.5, 'a']`, `{'k': None, 'b': True}`, floats by `repr` (`1.0`, `1e-05`, `1e+16`), strings
//! quoted with `'` unless they contain `'` and no `"`. [`PyValue`] parses JSON keeping the order of
//! object keys (Python dicts keep insertion order), and [`py_str`] renders it.
//!
//! Limit: non-printable characters are escaped as Python does for the control, format, separator
//! and private-use characters; code points unassigned in Unicode are printed as they are (Python
//! escapes them), which only matters for strings nobody sends.

use std::fmt::Write;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value as Python sees it after `json.loads`: dicts keep their key order.
#[derive(Clone, Debug, PartialEq)]
pub enum PyValue {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int`.
    Int(i128),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
    /// A `list`.
    List(Vec<PyValue>),
    /// A `dict`, in insertion order.
    Dict(Vec<(String, PyValue)>),
}

impl<'de> Deserialize<'de> for PyValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PyValue, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PyValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_unit<E: de::Error>(self) -> Result<PyValue, E> {
                Ok(PyValue::None)
            }
            fn visit_none<E: de::Error>(self) -> Result<PyValue, E> {
                Ok(PyValue::None)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<PyValue, E> {
                Ok(PyValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PyValue, E> {
                Ok(PyValue::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PyValue, E> {
                Ok(PyValue::Int(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<PyValue, E> {
                Ok(PyValue::Int(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<PyValue, E> {
                Ok(PyValue::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<PyValue, E> {
                Ok(PyValue::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<PyValue, E> {
                Ok(PyValue::Str(v))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyValue, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(PyValue::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyValue, A::Error> {
                let mut entries: Vec<(String, PyValue)> = Vec::new();
                let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
                while let Some((k, v)) = map.next_entry::<String, PyValue>()? {
                    // A repeated key keeps its first position and its last value, as in Python.
                    match index.get(&k) {
                        Some(&at) => entries[at].1 = v,
                        None => {
                            index.insert(k.clone(), entries.len());
                            entries.push((k, v));
                        }
                    }
                }
                Ok(PyValue::Dict(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Python `str(value)`.
pub fn py_str(v: &PyValue) -> String {
    match v {
        PyValue::Str(s) => s.clone(),
        other => py_repr(other),
    }
}

/// Python `repr(value)`.
pub fn py_repr(v: &PyValue) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_repr(out: &mut String, v: &PyValue) {
    match v {
        PyValue::None => out.push_str("None"),
        PyValue::Bool(true) => out.push_str("True"),
        PyValue::Bool(false) => out.push_str("False"),
        PyValue::Int(i) => {
            let _ = write!(out, "{i}");
        }
        PyValue::Float(f) => out.push_str(&float_repr(*f)),
        PyValue::Str(s) => write_str_repr(out, s),
        PyValue::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, item);
            }
            out.push(']');
        }
        PyValue::Dict(entries) => {
            out.push('{');
            for (i, (k, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_str_repr(out, k);
                out.push_str(": ");
                write_repr(out, item);
            }
            out.push('}');
        }
    }
}

/// Python `repr(float)`: the shortest digits that round-trip, fixed notation for decimal
/// exponents in -4..16, scientific (`1e-05`, `1.5e+16`) outside.
pub fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sign = if f.is_sign_negative() { "-" } else { "" };
    // Rust's `{:e}` is the shortest round-trip representation: "d.ddde-5".
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').expect("{:e} has an exponent");
    let exp: i32 = exp.parse().expect("an integer exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let digits = if digits.chars().all(|c| c == '0') { "0".to_string() } else { digits };
    if (-4..16).contains(&exp) {
        let point = exp + 1; // digits before the decimal point
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!("{}.{}", &digits[..point as usize], &digits[point as usize..])
        };
        format!("{sign}{body}")
    } else {
        let rest = if digits.len() > 1 { format!(".{}", &digits[1..]) } else { String::new() };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{}{rest}e{esign}{:02}", &digits[..1], exp.abs())
    }
}

/// Whether Python's `str.isprintable()` is false for `c` (the escapes `repr` uses), for every
/// character category except unassigned code points.
fn non_printable(c: char) -> bool {
    let u = u32::from(c);
    c.is_control()
        || matches!(u, 0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E)
        || matches!(u, 0xA0 | 0x1680 | 0x2000..=0x200F | 0x2028..=0x202F | 0x205F..=0x2064 | 0x2066..=0x206F)
        || matches!(u, 0x3000 | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F)
        || matches!(u, 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
        || matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD)
}

fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if non_printable(c) => {
                let u = u32::from(c);
                let _ = if u < 0x100 {
                    write!(out, "\\x{u:02x}")
                } else if u < 0x10000 {
                    write!(out, "\\u{u:04x}")
                } else {
                    write!(out, "\\U{u:08x}")
                };
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn str_of(json: &str) -> String {
        py_str(&serde_json::from_str(json).unwrap())
    }

    #[test]
    fn renders_like_python() {
        assert_eq!(str_of("[1, 2, 3]"), "[1, 2, 3]");
        assert_eq!(str_of(r#"{"x": 0.1, "a": null, "b": true}"#), "{'x': 0.1, 'a': None, 'b': True}");
        assert_eq!(str_of(r#""plain""#), "plain");
        assert_eq!(str_of(r#"["it's", "say \"hi\"", "both ' \""]"#), r#"["it's", 'say "hi"', 'both \' "']"#);
        assert_eq!(str_of(r#"["a\nb\\c\u0001\u00e9"]"#), r"['a\nb\\c\x01é']");
        assert_eq!(str_of("[]"), "[]");
        assert_eq!(str_of("{}"), "{}");
        assert_eq!(str_of("null"), "None");
        assert_eq!(str_of("-7"), "-7");
    }

    #[test]
    fn floats_follow_python_repr() {
        for (f, s) in [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e-4, "0.0001"),
            (1e-5, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (123.456, "123.456"),
            (f64::INFINITY, "inf"),
            (f64::NAN, "nan"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
        ] {
            assert_eq!(float_repr(f), s, "{f:e}");
        }
    }

    #[test]
    fn dict_order_and_repeated_keys_follow_python() {
        assert_eq!(str_of(r#"{"b": 1, "a": 2, "b": 3}"#), "{'b': 3, 'a': 2}");
    }

    proptest! {
        #[test]
        fn never_panics_on_any_json(text in "\\PC{0,64}") {
            if let Ok(v) = serde_json::from_str::<PyValue>(&text) {
                let _ = py_str(&v);
            }
        }

        #[test]
        fn floats_round_trip(f in proptest::num::f64::NORMAL | proptest::num::f64::SUBNORMAL | proptest::num::f64::ZERO) {
            let text = float_repr(f);
            prop_assert_eq!(text.parse::<f64>().unwrap(), f);
        }
    }
}
