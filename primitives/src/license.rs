//! The licence a dataset's content is shared under: an SPDX licence
//! expression (SPDX 2.3, Annex D), or `other` with a link to the terms, as
//! STAC 1.1's `license` field has it.
//!
//! The chain checks an expression's grammar, not that each identifier is on
//! the SPDX licence list: the list grows with every SPDX release, and a
//! runtime that kept a copy would refuse licences newer than itself.

use crate::datasets::{is_web_url, BoundedBytes, MAX_URI_LEN};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

/// Longest licence expression, in bytes.
pub const MAX_LICENSE_LEN: u32 = 128;

/// The value for terms that no SPDX expression names.
pub const OTHER: &[u8] = b"other";

/// A licence as a call gives it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct LicenseInput {
	/// An SPDX licence expression (`CC-BY-4.0`, `MIT OR Apache-2.0`,
	/// `LicenseRef-City-Terms`), or `other`.
	pub expression: Vec<u8>,
	/// Where the terms can be read: required for `other` and for an
	/// expression naming a `LicenseRef-`.
	pub url: Option<Vec<u8>>,
}

/// A licence as a record stores it: checked by [`License::new`].
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct License {
	pub expression: BoundedBytes<MAX_LICENSE_LEN>,
	pub url: Option<BoundedBytes<MAX_URI_LEN>>,
}

/// Why a licence was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LicenseError {
	/// Neither an SPDX licence expression nor `other`.
	Invalid,
	/// The expression is longer than `MAX_LICENSE_LEN`.
	TooLong,
	/// `other` or a `LicenseRef-` without a URL of its terms.
	UrlMissing,
	/// The URL is empty.
	EmptyUrl,
	/// The URL is longer than `MAX_URI_LEN`.
	UrlTooLong,
	/// The URL is not an http(s) URL ([`is_web_url`]).
	UrlNotWeb,
}

impl License {
	/// Checks `input`: a well-formed expression, and a URL where the
	/// expression does not say where its terms are.
	pub fn new(input: LicenseInput) -> Result<Self, LicenseError> {
		let expression: BoundedBytes<MAX_LICENSE_LEN> =
			input.expression.try_into().map_err(|_| LicenseError::TooLong)?;
		let custom = if &expression[..] == OTHER {
			true
		} else {
			let tokens = parse(&expression).ok_or(LicenseError::Invalid)?;
			tokens.iter().any(|t| matches!(t, Token::Reference(_)))
		};
		let url = match input.url {
			None if custom => return Err(LicenseError::UrlMissing),
			None => None,
			Some(url) if url.is_empty() => return Err(LicenseError::EmptyUrl),
			Some(url) if url.len() > MAX_URI_LEN as usize => return Err(LicenseError::UrlTooLong),
			Some(url) if !is_web_url(&url) => return Err(LicenseError::UrlNotWeb),
			Some(url) => Some(url.try_into().map_err(|_| LicenseError::UrlTooLong)?),
		};
		Ok(Self { expression, url })
	}

	/// The SPDX licence and exception identifiers the expression names, in
	/// order, without a trailing `+` (none for `other`).
	pub fn identifiers(&self) -> Vec<&[u8]> {
		if &self.expression[..] == OTHER {
			return Vec::new();
		}
		parse(&self.expression)
			.unwrap_or_default()
			.into_iter()
			.filter_map(|t| match t {
				Token::Listed(id) => Some(id),
				_ => None,
			})
			.collect()
	}
}

/// A parsed expression's terms, in order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Token<'a> {
	/// A licence or exception identifier of the SPDX list (`+` stripped).
	Listed(&'a [u8]),
	/// A `LicenseRef-` (or `DocumentRef-…:LicenseRef-`) of custom terms.
	Reference(&'a [u8]),
}

/// The terms of `text` if it is an SPDX licence expression:
///
/// ```text
/// expression := term (("AND" | "OR") term)*
/// term       := "(" expression ")" | simple ("WITH" exception)?
/// simple     := idstring "+"? | ("DocumentRef-" idstring ":")? "LicenseRef-" idstring
/// idstring   := (ALPHA | DIGIT | "-" | ".")+
/// ```
///
/// Operators are upper case; `AND` binds tighter than `OR`, which a check of
/// well-formedness need not model. Nesting is bounded by the length.
fn parse(text: &[u8]) -> Option<Vec<Token<'_>>> {
	let words = words(text)?;
	let mut parser = Parser { words: &words, at: 0, terms: Vec::new() };
	parser.expression()?;
	(parser.at == words.len()).then_some(parser.terms)
}

/// `text` split at spaces and around parentheses; `None` for a character
/// no expression has.
fn words(text: &[u8]) -> Option<Vec<&[u8]>> {
	let mut words = Vec::new();
	let mut start = None;
	for (at, b) in text.iter().enumerate() {
		let word = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'+' | b':');
		if !word && !matches!(b, b' ' | b'(' | b')') {
			return None;
		}
		match (word, start) {
			(true, None) => start = Some(at),
			(false, Some(s)) => {
				words.push(&text[s..at]);
				start = None;
			},
			_ => {},
		}
		if matches!(b, b'(' | b')') {
			words.push(&text[at..=at]);
		}
	}
	if let Some(s) = start {
		words.push(&text[s..]);
	}
	Some(words)
}

struct Parser<'w, 'a> {
	words: &'w [&'a [u8]],
	at: usize,
	terms: Vec<Token<'a>>,
}

impl<'a> Parser<'_, 'a> {
	fn next(&mut self) -> Option<&'a [u8]> {
		let word = self.words.get(self.at).copied();
		self.at += usize::from(word.is_some());
		word
	}

	fn peek(&self) -> Option<&'a [u8]> {
		self.words.get(self.at).copied()
	}

	fn expression(&mut self) -> Option<()> {
		self.term()?;
		while matches!(self.peek(), Some(b"AND" | b"OR")) {
			self.at += 1;
			self.term()?;
		}
		Some(())
	}

	fn term(&mut self) -> Option<()> {
		let word = self.next()?;
		if word == b"(" {
			self.expression()?;
			return (self.next()? == b")").then_some(());
		}
		let token = simple(word)?;
		self.terms.push(token);
		if self.peek() == Some(b"WITH") {
			self.at += 1;
			let exception = self.next()?;
			// An exception is a listed identifier (or, in SPDX 3, an
			// `AdditionRef-`): never a `+`.
			let listed = is_idstring(exception) && !is_operator(exception);
			if !listed && !exception.starts_with(b"AdditionRef-") {
				return None;
			}
			self.terms.push(if listed {
				Token::Listed(exception)
			} else {
				Token::Reference(exception)
			});
		}
		Some(())
	}
}

/// A simple expression: a listed identifier, optionally with `+`, or a
/// reference to custom terms.
fn simple(word: &[u8]) -> Option<Token<'_>> {
	if is_operator(word) {
		return None;
	}
	let local = match word.iter().position(|b| *b == b':') {
		Some(colon) => {
			let document = word[..colon].strip_prefix(b"DocumentRef-")?;
			is_idstring(document).then_some(())?;
			&word[colon + 1..]
		},
		None => word,
	};
	if let Some(reference) = local.strip_prefix(b"LicenseRef-") {
		return is_idstring(reference).then_some(Token::Reference(word));
	}
	if local.len() != word.len() {
		// A document reference names only a `LicenseRef-`.
		return None;
	}
	let id = word.strip_suffix(b"+").unwrap_or(word);
	is_idstring(id).then_some(Token::Listed(id))
}

fn is_idstring(word: &[u8]) -> bool {
	!word.is_empty() && word.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.'))
}

fn is_operator(word: &[u8]) -> bool {
	matches!(word, b"AND" | b"OR" | b"WITH")
}

#[cfg(test)]
mod tests {
	use super::*;

	fn input(expression: &str, url: Option<&str>) -> LicenseInput {
		LicenseInput {
			expression: expression.as_bytes().to_vec(),
			url: url.map(|u| u.as_bytes().to_vec()),
		}
	}

	fn check(expression: &str) -> Result<License, LicenseError> {
		License::new(input(expression, None))
	}

	#[test]
	fn accepts_spdx_expressions() {
		for ok in [
			"CC-BY-4.0",
			"CC0-1.0",
			"ODbL-1.0",
			"GPL-2.0+",
			"MIT OR Apache-2.0",
			"GPL-2.0-or-later WITH Classpath-exception-2.0",
			"(MIT AND BSD-3-Clause) OR Apache-2.0",
			"((CC-BY-4.0))",
			"LGPL-2.1-only OR (MIT AND (Apache-2.0 OR BSD-2-Clause))",
		] {
			assert!(check(ok).is_ok(), "{ok}");
		}
	}

	#[test]
	fn refuses_what_is_not_an_expression() {
		for bad in [
			"",
			" ",
			"CC BY 4.0",
			"MIT or Apache-2.0",
			"MIT OR",
			"AND MIT",
			"(MIT",
			"MIT)",
			"()",
			"MIT WITH",
			"MIT WITH +",
			"MIT+ +",
			"MIT++",
			"proprietary licence",
			"CC-BY-4.0, MIT",
			"Ünicode-1.0",
			"DocumentRef-x:MIT",
			"DocumentRef-:LicenseRef-x",
			"LicenseRef-",
		] {
			assert_eq!(check(bad).err(), Some(LicenseError::Invalid), "{bad:?}");
		}
	}

	#[test]
	fn custom_terms_need_a_url() {
		for custom in ["other", "LicenseRef-City-Open-1.0", "DocumentRef-terms:LicenseRef-x"] {
			assert_eq!(check(custom).err(), Some(LicenseError::UrlMissing), "{custom}");
			let with = License::new(input(custom, Some("https://city.example/terms"))).unwrap();
			assert_eq!(with.url.map(|u| u.to_vec()), Some(b"https://city.example/terms".to_vec()));
		}
		assert_eq!(
			check("MIT OR LicenseRef-Mine").err(),
			Some(LicenseError::UrlMissing),
			"any custom part needs it"
		);
		assert!(License::new(input("CC-BY-4.0", Some("https://example.org/cc"))).is_ok());
	}

	#[test]
	fn bounds_are_named() {
		let long = "A".repeat(MAX_LICENSE_LEN as usize + 1);
		assert_eq!(check(&long).err(), Some(LicenseError::TooLong));
		assert!(check(&"A".repeat(MAX_LICENSE_LEN as usize)).is_ok());
		assert_eq!(License::new(input("MIT", Some(""))).err(), Some(LicenseError::EmptyUrl));
		let url = "u".repeat(MAX_URI_LEN as usize + 1);
		assert_eq!(License::new(input("MIT", Some(&url))).err(), Some(LicenseError::UrlTooLong));
		for script in ["javascript:alert(1)", "data:text/html,x", "ftp://terms.example/t"] {
			assert_eq!(
				License::new(input("other", Some(script))).err(),
				Some(LicenseError::UrlNotWeb),
				"{script}"
			);
		}
	}

	#[test]
	fn deep_nesting_within_the_bound_parses() {
		let half = MAX_LICENSE_LEN as usize / 2 - 2;
		let nested = format!("{}MIT{}", "(".repeat(half), ")".repeat(half));
		assert!(check(&nested).is_ok());
	}

	#[test]
	fn names_the_listed_identifiers() {
		let license = License::new(input(
			"(GPL-2.0+ WITH Classpath-exception-2.0) OR LicenseRef-x",
			Some("https://x.example"),
		))
		.unwrap();
		assert_eq!(license.identifiers(), [&b"GPL-2.0"[..], b"Classpath-exception-2.0"]);
		let other = License::new(input("other", Some("https://x.example"))).unwrap();
		assert!(other.identifiers().is_empty());
	}
}
