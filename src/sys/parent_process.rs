//! The process that started stsenv: the name of its program, for messages that show the user
//! the line to type in the shell they are in.

/// The program name of the parent process (Linux: `/proc/PPID/comm`), if it can be read.
pub fn program_name() -> Option<String> {
    let ppid = std::os::unix::process::parent_id();
    let comm = std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
    let name = comm.trim_end_matches('\n');
    (!name.is_empty()).then(|| name.to_owned())
}
