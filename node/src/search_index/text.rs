//! Free text (`q`, STAC's free-text extension): terms, any of which may
//! match, each a word or a phrase of words, found as whole words in a
//! record's title, description or keywords, and ranked by where they occur.
//!
//! The rank is a weighted count — for each term, 4 if it is in the title,
//! 2 if in a keyword, 1 if in the description — not FTS5's bm25: bm25 weighs
//! words by how rare they are across every row the index holds, so a
//! record's rank would change as blocks arrive and a cursor made before
//! them would repeat or skip results. A count depends on the record alone.

/// Most terms one search names.
pub const MAX_TERMS: usize = 8;
/// Most words of one term.
pub const MAX_TERM_WORDS: usize = 8;
/// Longest term, in bytes.
pub const MAX_TERM_BYTES: usize = 128;

/// The indexed columns and the weight of a term found in each.
pub(super) const WEIGHTS: [(&str, i64); 3] = [("title", 4), ("keywords", 2), ("description", 1)];

/// The words of a text as the index's tokenizer (FTS5 `unicode61`, no
/// diacritics folding) sees them: runs of letters and digits, lower-cased.
pub fn words(text: &str) -> Vec<String> {
	text.split(|c: char| !c.is_alphanumeric())
		.filter(|w| !w.is_empty())
		.map(str::to_lowercase)
		.collect()
}

/// Why free text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextError {
	/// A term longer than [`MAX_TERM_BYTES`].
	TooLong(String),
	/// A term without a letter or digit.
	NoWords(String),
	/// A term of more than [`MAX_TERM_WORDS`] words.
	TooManyWords(String),
	/// No terms at all.
	NoTerms,
	/// More than [`MAX_TERMS`] terms.
	TooManyTerms,
}

impl std::fmt::Display for TextError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			TextError::TooLong(term) => {
				write!(f, "the term {term:?} is longer than {MAX_TERM_BYTES} bytes")
			},
			TextError::NoWords(term) => write!(f, "the term {term:?} has no word in it"),
			TextError::TooManyWords(term) => {
				write!(f, "the term {term:?} has more than {MAX_TERM_WORDS} words")
			},
			TextError::NoTerms => f.write_str("no terms"),
			TextError::TooManyTerms => write!(f, "at most {MAX_TERMS} terms"),
		}
	}
}

/// The terms of a free-text search, each the words of a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FreeText(Vec<Vec<String>>);

impl FreeText {
	/// The terms `given` (each a word or a phrase), bounded; a term without
	/// a letter or digit is refused.
	pub fn parse<'a>(given: impl IntoIterator<Item = &'a str>) -> Result<Self, TextError> {
		let mut terms: Vec<Vec<String>> = Vec::new();
		for term in given {
			if term.len() > MAX_TERM_BYTES {
				return Err(TextError::TooLong(term.into()));
			}
			let words = words(term);
			if words.is_empty() {
				return Err(TextError::NoWords(term.into()));
			}
			if words.len() > MAX_TERM_WORDS {
				return Err(TextError::TooManyWords(term.into()));
			}
			if !terms.contains(&words) {
				terms.push(words);
			}
		}
		if terms.is_empty() {
			return Err(TextError::NoTerms);
		}
		if terms.len() > MAX_TERMS {
			return Err(TextError::TooManyTerms);
		}
		Ok(Self(terms))
	}

	/// FTS5 queries, one per term and column, with the weight of a match:
	/// `column : "word word"`. The words hold only letters and digits, so
	/// nothing in them is FTS5 syntax.
	pub(super) fn queries(&self) -> impl Iterator<Item = (String, i64)> + '_ {
		self.0.iter().flat_map(|term| {
			let phrase = term.join(" ");
			WEIGHTS
				.iter()
				.map(move |(column, weight)| (format!("{column} : \"{phrase}\""), *weight))
		})
	}

	/// The rank of a record's columns (title, keywords, description) as the
	/// index computes it: 0 when no term occurs.
	#[cfg(test)]
	pub fn rank(&self, columns: [&str; 3]) -> i64 {
		let columns = columns.map(words);
		self.0
			.iter()
			.flat_map(|term| {
				columns
					.iter()
					.zip(WEIGHTS)
					.filter(|(words, _)| words.windows(term.len()).any(|w| w == &term[..]))
			})
			.map(|(_, (_, weight))| weight)
			.sum()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn terms_are_words_of_letters_and_digits_and_bounded() {
		let text = FreeText::parse(["Air quality", "NO2", "air  QUALITY!"]).unwrap();
		assert_eq!(text, FreeText(vec![vec!["air".into(), "quality".into()], vec!["no2".into()]]));
		let queries: Vec<_> = text.queries().collect();
		assert_eq!(queries[0], ("title : \"air quality\"".to_string(), 4));
		assert_eq!(queries.len(), 6);
		// FTS5 syntax in a term is only a separator.
		assert_eq!(
			FreeText::parse(["a* OR \"b\" NEAR(c)"]).unwrap().0,
			vec![vec!["a", "or", "b", "near", "c"]]
		);
		assert_eq!(
			FreeText::parse(["\"*\""]).unwrap_err().to_string(),
			"the term \"\\\"*\\\"\" has no word in it"
		);
		assert_eq!(FreeText::parse(Vec::<&str>::new()), Err(TextError::NoTerms));
		let many: Vec<String> = (0..=MAX_TERMS).map(|i| format!("w{i}")).collect();
		assert_eq!(
			FreeText::parse(many.iter().map(String::as_str)).unwrap_err().to_string(),
			format!("at most {MAX_TERMS} terms")
		);
		let wordy = "w ".repeat(MAX_TERM_WORDS + 1);
		assert_eq!(FreeText::parse([&*wordy]), Err(TextError::TooManyWords(wordy.clone())));
		let long = "w".repeat(MAX_TERM_BYTES + 1);
		assert_eq!(FreeText::parse([&*long]), Err(TextError::TooLong(long.clone())));
	}

	#[test]
	fn a_rank_counts_where_each_term_occurs() {
		let text = FreeText::parse(["air quality", "noise"]).unwrap();
		assert_eq!(
			text.rank(["Air quality stations", "air\nnoise", "hourly noise and air quality"]),
			4 + 2 + 1 + 1
		);
		assert_eq!(text.rank(["Quality of air", "", ""]), 0, "a phrase's words in another order");
	}
}
