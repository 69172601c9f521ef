//! The accumulator, the proofs a store answers and their verification,
//! checked against RFC 9162's tree hash computed from scratch.

mod accumulator;
mod consistency;
mod encoding;
mod inclusion;
mod log;
mod vectors;
