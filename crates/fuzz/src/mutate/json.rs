//! Mutating JSON documents as trees, so that the result is still JSON and reaches the decoder's
//! field handling: a random node is replaced by a boundary scalar, a byte-mutated string, a
//! number of another kind, a deep nesting or a wrapped copy of itself; an object loses, gains
//! or renames a key; an array loses, repeats or grows elements.

use serde_json::{Map, Number, Value};

use super::Generator;
use crate::rng::Rng;

/// Scalars at the edges of what JSON readers and Python's `str()` handle.
fn scalar(rng: &mut Rng) -> Value {
    match rng.below(22) {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => Value::from(0),
        3 => Value::from(-1),
        4 => Value::from(i64::MAX),
        5 => Value::from(i64::MIN),
        6 => Value::from(u64::MAX),
        7 => Value::from(f64::MAX),
        8 => Value::from(f64::MIN_POSITIVE / 4.0),
        9 => Value::from(-0.0),
        10 => Value::from(0.1),
        11 => Value::from(1e16),
        12 => Value::from(""),
        13 => Value::from("\u{0}"),
        14 => Value::from("é😀\u{fffd}\u{200b}"),
        15 => Value::from("'\"\\\n\t"),
        16 => Value::from("x".repeat(rng.between(100, 5000))),
        17 => Value::from("12"),
        18 => Value::from("0x00"),
        19 => Value::from(rng.next_u64()),
        20 => Value::from(rng.next_u64() as i64),
        _ => Value::from(f64::from_bits(rng.next_u64())),
    }
}

/// A value nested `depth` levels deep (serde_json refuses more than 128).
fn nested(rng: &mut Rng, depth: usize) -> Value {
    let mut v = scalar(rng);
    for i in 0..depth {
        v = if i % 2 == 0 { Value::Array(vec![v]) } else { Value::Object(Map::from_iter([("a".to_string(), v)])) };
    }
    v
}

/// Mutates the JSON document `doc` (`None` when it is not JSON). `keys` are names the decoder
/// looks for.
pub fn mutate(rng: &mut Rng, generator: &Generator, doc: &[u8], keys: &[&str]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(doc).ok()?;
    for _ in 0..rng.between(1, 3) {
        let node = pick(rng, &mut value);
        change(rng, generator, node, keys);
        if serde_json::to_vec(&value).map_or(true, |v| v.len() > generator.max_len) {
            break;
        }
    }
    let out = if rng.one_in(4) { serde_json::to_vec_pretty(&value) } else { serde_json::to_vec(&value) };
    out.ok().map(|mut out| {
        out.truncate(generator.max_len);
        out
    })
}

/// A random node: from the root, stop with probability 1/3 at each container, else descend
/// into a random child.
fn pick<'a>(rng: &mut Rng, mut value: &'a mut Value) -> &'a mut Value {
    loop {
        let len = match value {
            Value::Array(items) => items.len(),
            Value::Object(map) => map.len(),
            _ => return value,
        };
        if len == 0 || rng.one_in(3) {
            return value;
        }
        let i = rng.below(len);
        value = match value {
            Value::Array(items) => &mut items[i],
            Value::Object(map) => map.values_mut().nth(i).expect("i < len"),
            _ => unreachable!("containers only"),
        };
    }
}

fn change(rng: &mut Rng, generator: &Generator, node: &mut Value, keys: &[&str]) {
    match (rng.below(8), &mut *node) {
        (0, Value::Object(map)) if !map.is_empty() => {
            let key = map.keys().nth(rng.below(map.len())).cloned().expect("not empty");
            let v = map.remove(&key).expect("present");
            if rng.one_in(2) {
                // Renamed rather than removed.
                map.insert(format!("{key}{}", ["_", "X", " ", ""][rng.below(4)]), v);
            }
        }
        (1, Value::Object(map)) if !keys.is_empty() => {
            map.insert(rng.pick(keys).to_string(), scalar(rng));
        }
        (0 | 1, Value::Array(items)) if !items.is_empty() => {
            let i = rng.below(items.len());
            if rng.one_in(2) {
                items.remove(i);
            } else {
                // Repeated up to the largest input: copies of copies would otherwise grow
                // without bound over a few rounds.
                let copy = items[i].clone();
                let size = serde_json::to_vec(&copy).map_or(usize::MAX, |v| v.len() + 1);
                let times = if rng.one_in(8) { rng.between(100, 2000) } else { 1 };
                items.extend(std::iter::repeat_n(copy, times.min(generator.max_len / size)));
            }
        }
        (2, Value::String(s)) => {
            let mut bytes = std::mem::take(s).into_bytes();
            generator.havoc(rng, &mut bytes);
            *s = String::from_utf8_lossy(&bytes).into_owned();
        }
        (2, Value::Number(n)) => {
            *n = match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Number::from_f64(i as f64 + 0.5).unwrap_or_else(|| Number::from(0)),
                (None, Some(f)) => Number::from(f as i64),
                _ => Number::from(u64::MAX),
            };
        }
        (3, _) => {
            let depth = rng.between(1, 140);
            *node = nested(rng, depth);
        }
        (4, _) => {
            let inner = std::mem::take(node);
            *node = if rng.one_in(2) {
                Value::Array(vec![inner])
            } else {
                let key = if keys.is_empty() { "a" } else { rng.pick(keys) };
                Value::Object(Map::from_iter([(key.to_string(), inner)]))
            };
        }
        _ => *node = scalar(rng),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_json_and_vary() {
        let corpus = vec![br#"{"a": [1, 2, {"b": "text"}], "c": null}"#.to_vec()];
        let g = Generator { corpus: &corpus, dictionary: &[], max_len: 1 << 20 };
        let mut distinct = std::collections::BTreeSet::new();
        for seed in 0..500 {
            let out = mutate(&mut Rng::new(seed), &g, &corpus[0], &["a", "z"]).expect("JSON in");
            assert!(serde_json::from_slice::<Value>(&out).is_ok() || out.len() == g.max_len || nested_too_deep(&out));
            distinct.insert(out);
        }
        assert!(distinct.len() > 300, "{}", distinct.len());
        assert!(mutate(&mut Rng::new(1), &g, b"not json", &[]).is_none());
    }

    fn nested_too_deep(out: &[u8]) -> bool {
        out.iter().filter(|&&b| b == b'[' || b == b'{').count() > 120
    }
}
