//! How complex a CQL2 filter may be, checked before it is parsed.
//!
//! A CQL2 parser recurses once per operator (a Pratt parser over the text,
//! and every walk of the expression tree it builds), so a short text of
//! thousands of prefix operators (`----…-1 = 1`, `NOT NOT …`) or a chain of
//! comparisons (`1 = 1 = …`) exhausts a thread's stack however long the
//! text is allowed to be. Every filter a stranger can send is counted here
//! first, in one pass without recursion: its operators and its nesting.
//!
//! Parenthesised groups in text are bounded far more tightly than
//! nesting: cql2 0.6's text grammar (pest, a PEG parser without
//! memoization) reads `(` first as a parenthesised expression and, if that
//! fails, again as a list (`ExpressionInParentheses | Array`), so a text
//! that fails inside `n` groups is read 2^n times over: 16 unclosed `(`
//! take 3 s, 30 would take hours (found by the `cql2_text` fuzz target).
//! Function calls (`CASEI(…)`, `S_INTERSECTS(…)`) have one reading and do
//! not multiply. So text may nest groups at most [`MAX_GROUP_DEPTH`] deep,
//! and its parentheses must match.

use serde_json::Value;

/// Longest CQL2 filter, in bytes of its text or JSON.
pub const MAX_FILTER_BYTES: usize = 16_384;

/// Runs `f` (a filter's parse or evaluation) on a thread of its own with a
/// stack of `stack` bytes, whatever stack the calling thread has: the
/// parser recurses once per operator. A panic there is the caller's.
pub fn on_stack<T: Send>(stack: usize, f: impl FnOnce() -> T + Send) -> T {
	std::thread::scope(|scope| {
		std::thread::Builder::new()
			.name("cql2-parse".into())
			.stack_size(stack)
			.spawn_scoped(scope, f)
			.expect("a thread for parsing a filter")
			.join()
			.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
	})
}

/// Most operators of one filter: comparison, arithmetic and logical
/// operators (`=`, `<`, `+`, `-`, `AND`, `NOT`, `LIKE`, `IN`, …) and
/// function calls or parenthesised groups. A list (`id IN ('1', '2', …)`)
/// counts once, however long.
pub const MAX_FILTER_OPERATORS: usize = 128;

/// Deepest nesting of objects and arrays in CQL2 JSON (each operation is an
/// object holding an array). Text nests at most [`MAX_GROUP_DEPTH`] groups
/// and [`MAX_CALL_DEPTH`] calls.
pub const MAX_FILTER_DEPTH: usize = 32;

/// Deepest nesting of groups in CQL2 text: parentheses that do not follow
/// a name (a group, a list, a geometry's inner coordinates, what follows
/// `NOT` or `IN`), each of which doubles what a failing parse costs. A
/// function call's parentheses follow its name and do not count:
/// `NOT ((a = 1 OR b = 2) AND S_INTERSECTS(geometry, MULTIPOLYGON(((…)))))`
/// nests three groups at most. A failing parse costs about 2^groups times
/// the text's length: at this depth the slowest 16 KiB text found (by the
/// fuzzer and by hand) is refused in 0.1 s, at five groups in 0.2 s.
pub const MAX_GROUP_DEPTH: usize = 4;

/// Deepest nesting of function calls in CQL2 text. A call's name may also
/// begin a geometry (`GEOMETRYCOLLECTION(`), which the parser tries first,
/// reading what is inside again for each nested level; real filters nest
/// two or three (`S_INTERSECTS(geometry, POLYGON(…))`, `CASEI(…)`).
pub const MAX_CALL_DEPTH: usize = 8;

/// Why a filter is refused before it is parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TooComplex {
	/// More than [`MAX_FILTER_OPERATORS`] operators.
	Operators,
	/// JSON nested deeper than [`MAX_FILTER_DEPTH`].
	Depth,
	/// Text with groups nested deeper than [`MAX_GROUP_DEPTH`].
	Groups,
	/// Text with function calls nested deeper than [`MAX_CALL_DEPTH`].
	Calls,
	/// Text whose parentheses and brackets do not match: a `)` or `]`
	/// before its opening, or one left open.
	Unbalanced,
}

impl core::fmt::Display for TooComplex {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Operators => write!(f, "more than {MAX_FILTER_OPERATORS} operators"),
			Self::Depth => write!(f, "nested more than {MAX_FILTER_DEPTH} levels deep"),
			Self::Groups => write!(
				f,
				"parenthesised groups nested more than {MAX_GROUP_DEPTH} deep (function calls do not count)"
			),
			Self::Calls => write!(f, "function calls nested more than {MAX_CALL_DEPTH} deep"),
			Self::Unbalanced => f.write_str("parentheses or brackets that do not match"),
		}
	}
}

/// The words CQL2 text uses as operators (compared without case).
const OPERATOR_WORDS: &[&str] = &["and", "or", "not", "like", "between", "in", "is", "div"];

/// Checks CQL2 text: counts its operators, its nesting and its groups, and
/// matches its parentheses and brackets, skipping string literals (`'…'`,
/// with `''` inside) and quoted identifiers (`"…"`).
pub fn check_text(text: &str) -> Result<(), TooComplex> {
	let bytes = text.as_bytes();
	let (mut operators, mut groups, mut at) = (0usize, 0usize, 0usize);
	// What each open parenthesis is: a group (true) or a call (false).
	let mut open: Vec<bool> = Vec::new();
	// Whether the last token was a name (a call's parenthesis follows one).
	let mut after_name = false;
	let mut count = |n: usize| {
		operators += n;
		if operators > MAX_FILTER_OPERATORS {
			Err(TooComplex::Operators)
		} else {
			Ok(())
		}
	};
	while at < bytes.len() {
		let mut name = false;
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
				// A quoted identifier is a name; a string is not.
				name = quote == b'"';
			},
			b @ (b'(' | b'[') => {
				let group = b == b'[' || !after_name;
				open.push(group);
				groups += usize::from(group);
				if groups > MAX_GROUP_DEPTH {
					return Err(TooComplex::Groups);
				}
				if open.len() - groups > MAX_CALL_DEPTH {
					return Err(TooComplex::Calls);
				}
				count(1)?;
			},
			b')' | b']' => {
				let group = open.pop().ok_or(TooComplex::Unbalanced)?;
				groups -= usize::from(group);
			},
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
				} else {
					name = true;
				}
			},
			b if b.is_ascii_whitespace() => name = after_name,
			_ => {},
		}
		after_name = name;
		at += 1;
	}
	// An unterminated literal ends the scan: what was open before it is
	// open still.
	if !open.is_empty() {
		return Err(TooComplex::Unbalanced);
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

/// The function a filter may call beside CQL2's own: what a dataset's access
/// rules decide for a request made now (`citychain:outcome(3, 'planning') =
/// 'grant'`: the datasets department 3 may have at once for planning).
pub const OUTCOME: &str = "citychain:outcome";

/// The functions a filter may call, as OGC API - Features - Part 3 lists
/// them at `/functions`.
pub fn functions() -> Value {
	serde_json::json!({
		"functions": [{
			"name": OUTCOME,
			"description": "What the dataset's access rules decide, as the chain would decide it now, for a request by the department for the purpose, for the term (default 1 day), for the whole dataset: 'grant' (at once), 'provider' (the provider's approval), 'providerAndRegulator' (the provider's and the regulator's approvals) or 'refuse'. Null where the chain would not evaluate such a request: a department not active, the department's own dataset, a dataset not active. The rules, the departments, the purposes, the jurisdictions and the time are those of the finalized head.",
			"arguments": [
				{ "title": "department", "description": "The requesting department's id", "type": ["integer"] },
				{ "title": "purpose", "description": "A purpose code of the vocabulary (access_purposes), optionally followed by ': ' and a statement", "type": ["string"] },
				{ "title": "days", "description": "The term asked for, in days (optional; default 1)", "type": ["integer"] },
			],
			"returns": ["string"],
		}]
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn function_calls_are_nested_at_most_so_deep() {
		let calls = |n: usize| format!("{}title{} = 'a'", "CASEI(".repeat(n), ")".repeat(n));
		assert_eq!(check_text(&calls(MAX_CALL_DEPTH)), Ok(()));
		assert_eq!(check_text(&calls(MAX_CALL_DEPTH + 1)), Err(TooComplex::Calls));
		let collections = format!(
			"S_INTERSECTS(geometry, {}POINT(1 2){})",
			"GEOMETRYCOLLECTION(".repeat(27),
			")".repeat(27)
		);
		assert_eq!(check_text(&collections), Err(TooComplex::Calls));
	}
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
		// Calls nest up to their depth (text's nesting is groups and calls).
		let calls = |n: usize| format!("{}'x'{} = 'x'", "CASEI(".repeat(n), ")".repeat(n));
		assert_eq!(check_text(&calls(MAX_CALL_DEPTH)), Ok(()));
		assert_eq!(check_text(&calls(MAX_CALL_DEPTH + 1)), Err(TooComplex::Calls));
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
		assert_eq!(check_text("android = 1 AND ".repeat(40).trim_end_matches(" AND ")), Ok(()));
		// An unterminated literal ends the scan.
		assert_eq!(check_text("title = 'NOT NOT NOT"), Ok(()));
	}

	#[test]
	fn groups_are_bounded_and_calls_are_not_groups() {
		let groups = |n: usize| format!("{}1 = 1{}", "(".repeat(n), ")".repeat(n));
		assert_eq!(check_text(&groups(MAX_GROUP_DEPTH)), Ok(()));
		assert_eq!(check_text(&groups(MAX_GROUP_DEPTH + 1)), Err(TooComplex::Groups));
		// What follows an operator word is a group, whatever its case.
		let nots = |n: usize| format!("{}true{}", "NOT (".repeat(n), ")".repeat(n));
		assert_eq!(check_text(&nots(MAX_GROUP_DEPTH + 1)), Err(TooComplex::Groups));
		let ins = format!("id in {}'1'{}", "(".repeat(MAX_GROUP_DEPTH + 1), ")".repeat(6));
		assert_eq!(check_text(&ins), Err(TooComplex::Groups));
		assert_eq!(check_text("a = 1 AnD (b = 2)"), Ok(()));
		// A call follows a name, or a quoted name, with or without spaces.
		let calls = format!(
			"{}S_INTERSECTS (\"geometry\", POINT(1 2)){}",
			"(".repeat(MAX_GROUP_DEPTH),
			")".repeat(MAX_GROUP_DEPTH)
		);
		assert_eq!(check_text(&calls), Ok(()));
		let quoted = |n: usize| format!("{}\"f\"(1) = 1{}", "(".repeat(n), ")".repeat(n));
		assert_eq!(check_text(&quoted(MAX_GROUP_DEPTH)), Ok(()));
		// Groups closed are groups no longer; brackets are groups.
		assert_eq!(
			check_text(&format!("{} AND {}", groups(MAX_GROUP_DEPTH), groups(MAX_GROUP_DEPTH))),
			Ok(())
		);
		assert_eq!(
			check_text(&format!("{}1{}", "[".repeat(MAX_GROUP_DEPTH + 1), "]".repeat(6))),
			Err(TooComplex::Groups)
		);
		// Filters as people write them.
		for filter in [
			"NOT ((a = 1 OR b = 2) AND S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)))))",
			"T_INTERSECTS(INTERVAL(start_datetime, end_datetime), INTERVAL('2023-01-01T00:00:00Z', '..'))",
			"((title LIKE 'Road%' OR title LIKE 'Rail%') AND NOT (\"citychain:topic\" IN ('health', 'society')))",
			"S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), POLYGON((0 0, 1 0, 1 1, 0 0))))",
		] {
			assert_eq!(check_text(filter), Ok(()), "{filter}");
		}
	}

	#[test]
	fn parentheses_and_brackets_must_match() {
		// What made cql2's parser backtrack for hours (found by fuzzing):
		// groups it cannot close.
		assert_eq!(check_text(&format!("x({}y", "(".repeat(30))), Err(TooComplex::Groups));
		for unbalanced in [
			format!("x({}y", "(".repeat(MAX_GROUP_DEPTH)),
			format!("{}1 = 1", "(".repeat(MAX_GROUP_DEPTH)),
			"(1 = 1))".to_string(),
			")1 = 1(".to_string(),
			"a = 1)".to_string(),
			"(title = 'unterminated".to_string(),
			"A_CONTAINS(keywords, ['a', 'b')".to_string(),
		] {
			assert_eq!(check_text(&unbalanced), Err(TooComplex::Unbalanced), "{unbalanced}");
		}
		for balanced in [
			"A_CONTAINS(keywords, ['a', 'b'])",
			"title = ')' AND \"(\" = '('",
			"(a = 1) AND (b = 2)",
		] {
			assert_eq!(check_text(balanced), Ok(()), "{balanced}");
		}
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
