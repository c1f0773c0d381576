//! Suites that cut across the layers. (quoting.rs, here too, is a test binary of its own:
//! Cargo.toml's [[test]] "quoting", so it is no module of this one.)

// The bad-input matrix: every case fails cleanly and changes no file.
mod bad_inputs;
// SIGKILL at random points, stale temp files, corrupt cache files.
mod crash;
// README.md short, its contents complete, every link reaching a heading, every variable documented.
mod docs;
// No secret in messages, other files, or a running stsenv's arguments.
mod hygiene;
// The layout of src/: layers import downwards only, no import circle, at most 8 files in src/.
mod layers;
// What stsenv refuses to trust: others' cache files, closed descriptors, held locks.
mod trust;
