//! How complex a CQL2 filter may be, checked before it is parsed.
//!
//! A CQL2 parser recurses once per operator (a Pratt parser over the text,
//! and every walk of the expression tree it builds), so a short text of
//! thousands of prefix operators (`----…-1 = 1`, `NOT NOT …`) or a chain of
//! comparisons (`1 = 1 = …`) exhausts a thread's stack however long the
//! text is allowed to be. Every filter a stranger can send is counted here
//! first, in one pass without recursion: its operators and its nesting.

use serde_json::Value;

/// Most operators of one filter: comparison, arithmetic and logical
/// operators (`=`, `<`, `+`, `-`, `AND`, `NOT`, `LIKE`, `IN`, …) and
/// function calls or parenthesised groups. A list (`id IN ('1', '2', …)`)
/// counts once, however long.
pub const MAX_FILTER_OPERATORS: usize = 128;

/// Deepest nesting of parentheses and brackets in CQL2 text, and of objects
/// and arrays in CQL2 JSON (each operation is an object holding an array).
pub const MAX_FILTER_DEPTH: usize = 32;

/// Why a filter is refused before it is parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TooComplex {
	/// More than [`MAX_FILTER_OPERATORS`] operators.
	Operators,
	/// Nested deeper than [`MAX_FILTER_DEPTH`].
	Depth,
}

impl core::fmt::Display for TooComplex {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Operators => write!(f, "more than {MAX_FILTER_OPERATORS} operators"),
			Self::Depth => write!(f, "nested more than {MAX_FILTER_DEPTH} levels deep"),
		}
	}
}

/// The words CQL2 text uses as operators (compared without case).
const OPERATOR_WORDS: &[&str] = &["and", "or", "not", "like", "between", "in", "is", "div"];

/// Checks CQL2 text: counts its operators and its nesting, skipping string
/// literals (`'…'`, with `''` inside) and quoted identifiers (`"…"`).
pub fn check_text(text: &str) -> Result<(), TooComplex> {
	let bytes = text.as_bytes();
	let (mut operators, mut depth, mut at) = (0usize, 0usize, 0usize);
	let mut count = |n: usize| {
		operators += n;
		if operators > MAX_FILTER_OPERATORS {
			Err(TooComplex::Operators)
		} else {
			Ok(())
		}
	};
	while at < bytes.len() {
		match bytes[at] {
			quote @ (b'\'' | b'"') => {
				at += 1;
				while at < bytes.len() {
					if bytes[at] == quote {
						// A doubled quote is one quote inside the literal.
						if bytes.get(at + 1) == Some(&quote) {
							at += 1;
						} else {
							break;
						}
					}
					at += 1;
				}
			},
			b'(' | b'[' => {
				depth += 1;
				if depth > MAX_FILTER_DEPTH {
					return Err(TooComplex::Depth);
				}
				count(1)?;
			},
			b')' | b']' => depth = depth.saturating_sub(1),
			b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'=' | b'<' | b'>' => count(1)?,
			b if b.is_ascii_alphabetic() || b == b'_' => {
				let start = at;
				while at + 1 < bytes.len()
					&& (bytes[at + 1].is_ascii_alphanumeric()
						|| matches!(bytes[at + 1], b'_' | b':' | b'.'))
				{
					at += 1;
				}
				let word = &text[start..=at];
				if OPERATOR_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
					count(1)?;
				}
			},
			_ => {},
		}
		at += 1;
	}
	Ok(())
}

/// Checks CQL2 JSON, already parsed as JSON: counts its operations (objects
/// with an `op`) and its nesting, without recursion.
pub fn check_json(filter: &Value) -> Result<(), TooComplex> {
	let mut operators = 0usize;
	let mut stack = vec![(filter, 1usize)];
	while let Some((value, depth)) = stack.pop() {
		if depth > MAX_FILTER_DEPTH {
			return Err(TooComplex::Depth);
		}
		match value {
			Value::Object(map) => {
				if map.contains_key("op") {
					operators += 1;
					if operators > MAX_FILTER_OPERATORS {
						return Err(TooComplex::Operators);
					}
				}
				stack.extend(map.values().map(|v| (v, depth + 1)));
			},
			Value::Array(items) => stack.extend(items.iter().map(|v| (v, depth + 1))),
			_ => {},
		}
	}
	Ok(())
}

#[cfg(test)]
mod tests {
	use super::*;
	use serde_json::json;

	#[test]
	fn chains_of_prefix_and_infix_operators_are_counted() {
		let at_limit = format!("{}1 = 1", "-".repeat(MAX_FILTER_OPERATORS - 1));
		assert_eq!(check_text(&at_limit), Ok(()));
		for attack in [
			format!("{}1 = 1", "-".repeat(2_000)),
			format!("{}1 = 1", "NOT ".repeat(2_000)),
			format!("{}1", "1 = ".repeat(2_000)),
			format!("{}true", "not ".repeat(MAX_FILTER_OPERATORS + 1)),
			format!("a{}", " AnD a".repeat(MAX_FILTER_OPERATORS + 1)),
		] {
			assert_eq!(check_text(&attack), Err(TooComplex::Operators), "{}", &attack[..20]);
		}
	}

	#[test]
	fn nesting_is_bounded_and_literals_are_not_counted() {
		let deep = format!("{}1 = 1{}", "(".repeat(MAX_FILTER_DEPTH + 1), ")".repeat(40));
		assert_eq!(check_text(&deep), Err(TooComplex::Depth));
		let ok = format!("{}1 = 1{}", "(".repeat(MAX_FILTER_DEPTH - 1), ")".repeat(40));
		assert_eq!(check_text(&ok), Ok(()));
		// Operators inside literals and quoted names are text, not operators.
		let literal =
			format!("title = '{}' AND \"a-b\" = 'it''s ({})'", "-".repeat(5_000), "(".repeat(99));
		assert_eq!(check_text(&literal), Ok(()));
		let list = format!(
			"id IN ({})",
			(0..5_000).map(|i| format!("'{i}'")).collect::<Vec<_>>().join(",")
		);
		assert_eq!(check_text(&list), Ok(()), "a list counts once");
		// Names that contain an operator word are names.
		assert_eq!(check_text(&"android = 1 AND ".repeat(40).trim_end_matches(" AND ")), Ok(()));
		// An unterminated literal ends the scan.
		assert_eq!(check_text("title = 'NOT NOT NOT"), Ok(()));
	}

	#[test]
	fn json_filters_are_bounded_alike() {
		let mut deep = json!({ "op": "=", "args": [1, 1] });
		for _ in 0..MAX_FILTER_DEPTH {
			deep = json!({ "op": "not", "args": [deep] });
		}
		assert_eq!(check_json(&deep), Err(TooComplex::Depth));
		let wide = json!({ "op": "and", "args": vec![json!({ "op": "=", "args": [1, 1] }); MAX_FILTER_OPERATORS] });
		assert_eq!(check_json(&wide), Err(TooComplex::Operators));
		let fine = json!({ "op": "and", "args": [
			{ "op": "=", "args": [{ "property": "citychain:topic" }, "transportation"] },
			{ "op": "s_intersects", "args": [{ "property": "geometry" }, { "type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]] }] },
		] });
		assert_eq!(check_json(&fine), Ok(()));
	}
}
