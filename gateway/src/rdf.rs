//! A small RDF graph and its two serializations, Turtle and JSON-LD
//! (expanded form), so that one model of the catalogue (`dcat`) is written
//! either way: subjects in the order they were first described, each with
//! its statements in the order they were made.

use serde_json::{json, Map, Value};

/// `rdf:type`.
pub const TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
/// `xsd:dateTime`.
pub const DATE_TIME: &str = "http://www.w3.org/2001/XMLSchema#dateTime";

/// A node of the graph or a literal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
	/// An IRI.
	Iri(String),
	/// A blank node, by its label.
	Blank(String),
	/// A literal: its text, and its datatype IRI (a language-tagged string
	/// without one, in `language`).
	Literal { value: String, datatype: Option<String>, language: Option<&'static str> },
}

impl Term {
	pub fn iri(iri: impl Into<String>) -> Self {
		Self::Iri(iri.into())
	}

	/// A plain string literal.
	pub fn text(value: impl Into<String>) -> Self {
		Self::Literal { value: value.into(), datatype: None, language: None }
	}

	/// A literal in English.
	pub fn english(value: impl Into<String>) -> Self {
		Self::Literal { value: value.into(), datatype: None, language: Some("en") }
	}

	/// A literal of `datatype`.
	pub fn typed(value: impl Into<String>, datatype: &str) -> Self {
		Self::Literal { value: value.into(), datatype: Some(datatype.into()), language: None }
	}
}

/// Statements about subjects, in the order made.
#[derive(Default)]
pub struct Graph {
	/// Each subject with its (predicate, object) pairs.
	subjects: Vec<(Term, Vec<(String, Term)>)>,
	blanks: usize,
}

impl Graph {
	/// A new blank node.
	pub fn blank(&mut self) -> Term {
		self.blanks += 1;
		Term::Blank(format!("b{}", self.blanks))
	}

	/// States `subject predicate object`.
	pub fn add(&mut self, subject: &Term, predicate: &str, object: Term) {
		let predicate = predicate.to_string();
		match self.subjects.iter_mut().rev().find(|(s, _)| s == subject) {
			Some((_, statements)) => statements.push((predicate, object)),
			None => self.subjects.push((subject.clone(), vec![(predicate, object)])),
		}
	}

	/// States that `subject` is of class `class`.
	pub fn a(&mut self, subject: &Term, class: &str) {
		self.add(subject, TYPE, Term::iri(class));
	}

	/// The graph in Turtle, with the `prefixes` (name, namespace) used to
	/// abbreviate predicates and classes.
	pub fn turtle(&self, prefixes: &[(&str, &str)]) -> String {
		let mut out: String = prefixes
			.iter()
			.map(|(name, ns)| format!("@prefix {name}: <{ns}> .\n"))
			.collect();
		let name = |iri: &str| -> String {
			prefixes
				.iter()
				.find_map(|(name, ns)| {
					iri.strip_prefix(ns)
						.filter(|local| {
							!local.is_empty()
								&& local.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
						})
						.map(|local| format!("{name}:{local}"))
				})
				.unwrap_or_else(|| format!("<{}>", escape_iri(iri)))
		};
		let term = |t: &Term| match t {
			Term::Iri(iri) => name(iri),
			Term::Blank(label) => format!("_:{label}"),
			Term::Literal { value, datatype, language } => {
				let text = format!("\"{}\"", escape_string(value));
				match (datatype, language) {
					(Some(dt), _) => format!("{text}^^{}", name(dt)),
					(None, Some(lang)) => format!("{text}@{lang}"),
					(None, None) => text,
				}
			},
		};
		for (subject, statements) in &self.subjects {
			out.push('\n');
			out.push_str(&term(subject));
			let lines: Vec<String> = statements
				.iter()
				.map(|(p, o)| {
					let p = if p == TYPE { "a".to_string() } else { name(p) };
					format!("\n    {p} {}", term(o))
				})
				.collect();
			out.push_str(&lines.join(" ;"));
			out.push_str(" .\n");
		}
		out
	}

	/// The graph in JSON-LD, expanded form: one node object per subject.
	pub fn json_ld(&self) -> Value {
		let id = |t: &Term| match t {
			Term::Iri(iri) => iri.clone(),
			Term::Blank(label) => format!("_:{label}"),
			Term::Literal { value, .. } => value.clone(),
		};
		let nodes: Vec<Value> = self
			.subjects
			.iter()
			.map(|(subject, statements)| {
				let mut node = Map::new();
				node.insert("@id".into(), id(subject).into());
				for (predicate, object) in statements {
					let (key, value) = match (predicate.as_str(), object) {
						(TYPE, Term::Iri(class)) => ("@type", Value::from(class.as_str())),
						(p, Term::Literal { value, datatype, language }) => {
							let mut literal = json!({ "@value": value });
							if let Some(dt) = datatype {
								literal["@type"] = dt.as_str().into();
							}
							if let Some(lang) = language {
								literal["@language"] = (*lang).into();
							}
							(p, literal)
						},
						(p, other) => (p, json!({ "@id": id(other) })),
					};
					let values = node.entry(key).or_insert_with(|| Value::Array(Vec::new()));
					values.as_array_mut().expect("an array").push(value);
				}
				Value::Object(node)
			})
			.collect();
		Value::Array(nodes)
	}
}

/// A Turtle string's escapes (a long string's line breaks included).
fn escape_string(text: &str) -> String {
	let mut out = String::with_capacity(text.len());
	for c in text.chars() {
		match c {
			'\\' => out.push_str("\\\\"),
			'"' => out.push_str("\\\""),
			'\n' => out.push_str("\\n"),
			'\r' => out.push_str("\\r"),
			'\t' => out.push_str("\\t"),
			c if (c as u32) < 0x20 || c == '\u{7f}' => {
				out.push_str(&format!("\\u{:04X}", c as u32))
			},
			c => out.push(c),
		}
	}
	out
}

/// An IRI with the characters Turtle refuses in `<…>` escaped.
fn escape_iri(iri: &str) -> String {
	iri.chars()
		.map(|c| match c {
			'<' | '>' | '"' | '{' | '}' | '|' | '^' | '`' | '\\' | '\0'..=' ' => {
				format!("\\u{:04X}", c as u32)
			},
			c => c.to_string(),
		})
		.collect()
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn one_graph_is_written_as_turtle_and_as_json_ld() {
		let mut g = Graph::default();
		let s = Term::iri("http://gw/a");
		g.a(&s, "http://www.w3.org/ns/dcat#Dataset");
		g.add(&s, "http://purl.org/dc/terms/title", Term::english("Roads \"A\"\nnew"));
		let b = g.blank();
		g.add(&s, "http://purl.org/dc/terms/temporal", b.clone());
		g.add(
			&b,
			"http://www.w3.org/ns/dcat#startDate",
			Term::typed("2024-01-01T00:00:00Z", DATE_TIME),
		);
		g.add(&s, "http://purl.org/dc/terms/source", Term::iri("http://x/<y>"));
		let ttl = g.turtle(&[
			("dcat", "http://www.w3.org/ns/dcat#"),
			("dct", "http://purl.org/dc/terms/"),
			("xsd", "http://www.w3.org/2001/XMLSchema#"),
		]);
		assert!(
			ttl.contains(
				"<http://gw/a>\n    a dcat:Dataset ;\n    dct:title \"Roads \\\"A\\\"\\nnew\"@en ;"
			),
			"{ttl}"
		);
		assert!(
			ttl.contains("_:b1\n    dcat:startDate \"2024-01-01T00:00:00Z\"^^xsd:dateTime .\n"),
			"{ttl}"
		);
		assert!(ttl.contains("<http://x/\\u003Cy\\u003E>"), "{ttl}");
		let ld = g.json_ld();
		assert_eq!(ld[0]["@type"], json!(["http://www.w3.org/ns/dcat#Dataset"]));
		assert_eq!(ld[0]["http://purl.org/dc/terms/temporal"], json!([{ "@id": "_:b1" }]));
		assert_eq!(ld[0]["http://purl.org/dc/terms/title"][0]["@language"], "en");
		assert_eq!(ld[1]["http://www.w3.org/ns/dcat#startDate"][0]["@type"], DATE_TIME);
	}
}
