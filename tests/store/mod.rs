//! What stsenv writes (src/store).

mod cache; // the cache module: modes, atomic writes, validity, corrupt files
mod permissions; // the cache's modes under umask 000; warnings about readable key files
mod profile; // --write-profile: one section of the shared credentials file, the rest kept
