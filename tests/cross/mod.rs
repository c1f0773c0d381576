//! Suites that cut across the layers. (quoting.rs, here too, is a test binary of its own:
//! Cargo.toml's [[test]] "quoting", so it is no module of this one.)

mod bad_inputs; // the bad-input matrix: every case fails cleanly and changes no file
mod crash; // SIGKILL at random points, stale temp files, corrupt cache files
mod hygiene; // no secret in messages, other files, or a running stsenv's arguments
mod trust; // what stsenv refuses to trust: others' cache files, closed descriptors, held locks
