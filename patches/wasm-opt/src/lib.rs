//! The subset of the `wasm-opt` crate's API that `substrate-wasm-builder`
//! calls, without binaryen: see README.md.

use parity_wasm::elements::{Module, Section};
use std::{fmt, path::Path};

/// The passes `substrate-wasm-builder` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
	/// Lower sign-extension instructions to MVP ones: an MVP module, which
	/// is all this crate reads, has none.
	SignextLowering,
	/// Drop the DWARF debug sections.
	StripDwarf,
}

/// Passes and settings, built like `wasm_opt::OptimizationOptions`.
#[derive(Clone, Debug, Default)]
pub struct OptimizationOptions {
	passes: Vec<Pass>,
	debug_info: bool,
}

/// Why a module was not written.
#[derive(Debug)]
pub enum OptimizationError {
	Read(std::io::Error),
	/// The module is not WebAssembly MVP (or not WebAssembly).
	NotMvp(String),
	Write(String),
}

impl fmt::Display for OptimizationError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Read(e) => write!(f, "cannot read the module: {e}"),
			Self::NotMvp(e) => write!(
				f,
				"the module is not WebAssembly MVP ({e}): build the runtime for the wasm32v1-none target \
				 (rustup target add wasm32v1-none)"
			),
			Self::Write(e) => write!(f, "cannot write the module: {e}"),
		}
	}
}

impl std::error::Error for OptimizationError {}

impl OptimizationOptions {
	/// No optimization, as binaryen's `-O0`: only the passes added.
	pub fn new_opt_level_0() -> Self {
		Self::default()
	}

	pub fn add_pass(&mut self, pass: Pass) -> &mut Self {
		self.passes.push(pass);
		self
	}

	/// Keep the `name` section (function names for backtraces).
	pub fn debug_info(&mut self, keep: bool) -> &mut Self {
		self.debug_info = keep;
		self
	}

	/// Accept MVP features only: always so here.
	pub fn mvp_features_only(&mut self) -> &mut Self {
		self
	}

	/// Reads `infile`, runs the passes, writes `outfile` (which may be the
	/// same file).
	pub fn run(
		&self,
		infile: impl AsRef<Path>,
		outfile: impl AsRef<Path>,
	) -> Result<(), OptimizationError> {
		let bytes = std::fs::read(infile).map_err(OptimizationError::Read)?;
		let out = self.apply(&bytes)?;
		std::fs::write(outfile, out).map_err(|e| OptimizationError::Write(e.to_string()))
	}

	/// The passes over a module's bytes.
	pub fn apply(&self, bytes: &[u8]) -> Result<Vec<u8>, OptimizationError> {
		let mut module: Module = parity_wasm::deserialize_buffer(bytes)
			.map_err(|e: parity_wasm::elements::Error| OptimizationError::NotMvp(e.to_string()))?;
		let strip_dwarf = self.passes.contains(&Pass::StripDwarf);
		let keep_names = self.debug_info;
		module.sections_mut().retain(|section| match section {
			Section::Custom(c) if c.name().starts_with(".debug") => !strip_dwarf,
			Section::Custom(c) if c.name() == "name" => keep_names,
			Section::Name(_) => keep_names,
			_ => true,
		});
		parity_wasm::serialize(module).map_err(|e| OptimizationError::Write(e.to_string()))
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	/// A module of one function `() -> ()` whose body is `body` (without the
	/// final `end`), followed by the custom sections `custom`.
	fn module(body: &[u8], custom: &[(&str, &[u8])]) -> Vec<u8> {
		let mut m = vec![0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
		m.extend([0x01, 0x04, 0x01, 0x60, 0x00, 0x00]); // types: () -> ()
		m.extend([0x03, 0x02, 0x01, 0x00]); // functions: one of type 0
		let code: Vec<u8> = [&[0x00][..], body, &[0x0b]].concat(); // no locals, body, end
		m.extend([0x0a, code.len() as u8 + 2, 0x01, code.len() as u8]);
		m.extend(code);
		for (name, data) in custom {
			let payload: Vec<u8> = [&[name.len() as u8][..], name.as_bytes(), data].concat();
			m.extend([0x00, payload.len() as u8]);
			m.extend(payload);
		}
		m
	}

	fn custom_names(bytes: &[u8]) -> Vec<String> {
		let module: Module = parity_wasm::deserialize_buffer(bytes).unwrap();
		module
			.sections()
			.iter()
			.filter_map(|s| match s {
				Section::Custom(c) => Some(c.name().to_string()),
				_ => None,
			})
			.collect()
	}

	const MVP_BODY: &[u8] = &[0x41, 0x01, 0x1a]; // i32.const 1; drop

	#[test]
	fn strip_dwarf_drops_the_debug_sections_and_keeps_names_and_code() {
		let input = module(
			MVP_BODY,
			&[(".debug_info", b"dwarf"), ("name", b"\x00\x00"), ("producers", b"\x00")],
		);
		let out = OptimizationOptions::new_opt_level_0()
			.mvp_features_only()
			.debug_info(true)
			.add_pass(Pass::StripDwarf)
			.add_pass(Pass::SignextLowering)
			.apply(&input)
			.unwrap();
		assert_eq!(custom_names(&out), ["name", "producers"]);
		let code = |bytes: &[u8]| {
			let m: Module = parity_wasm::deserialize_buffer(bytes).unwrap();
			m.code_section().unwrap().bodies()[0].code().elements().to_vec()
		};
		assert_eq!(code(&out), code(&input));
	}

	#[test]
	fn without_debug_info_the_names_go_too() {
		let input = module(MVP_BODY, &[(".debug_line", b"x"), ("name", b"\x00\x00")]);
		let out = OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::StripDwarf)
			.apply(&input)
			.unwrap();
		assert!(custom_names(&out).is_empty());
	}

	#[test]
	fn sign_extension_is_refused_naming_the_target() {
		let sign_ext = [0x41, 0x01, 0xc0, 0x1a]; // i32.const 1; i32.extend8_s; drop
		let err = OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::SignextLowering)
			.apply(&module(&sign_ext, &[]))
			.unwrap_err();
		assert!(matches!(err, OptimizationError::NotMvp(_)));
		assert!(err.to_string().contains("wasm32v1-none"));
	}

	#[test]
	fn run_rewrites_a_file_in_place() {
		let dir = std::env::temp_dir().join(format!("wasm-opt-test-{}", std::process::id()));
		std::fs::create_dir_all(&dir).unwrap();
		let path = dir.join("m.wasm");
		std::fs::write(&path, module(MVP_BODY, &[(".debug_str", b"s")])).unwrap();
		OptimizationOptions::new_opt_level_0()
			.add_pass(Pass::StripDwarf)
			.run(&path, &path)
			.unwrap();
		assert!(custom_names(&std::fs::read(&path).unwrap()).is_empty());
		std::fs::remove_dir_all(dir).unwrap();
	}
}
