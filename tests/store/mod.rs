//! What stsenv writes (src/store).

// The cache module: modes, atomic writes, validity, corrupt files.
mod cache;
// The cache's modes under umask 000; warnings about readable key files.
mod permissions;
// --write-profile: one section of the shared credentials file, the rest kept.
mod profile;
// aws-config: stsenv's block of ~/.aws/config, and the profiles in use by three SDKs at once.
mod aws_config;
