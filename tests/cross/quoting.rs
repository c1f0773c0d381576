//! Round-trips values through the real bash, zsh, fish and nushell: the code
//! emitted by `stsenv::shell::quote` is `eval`'d the way the wrapper functions do it
//! (nushell: its JSON applied with `load-env`), and every variable must come
//! back byte-exact, exported, without anything executed. nushell's `$env`
//! holds only UTF-8 strings: it gets every value that is valid UTF-8 without
//! NUL (stsenv refuses the others for nushell with an error).
//!
//! Environment:
//! * `STSENV_FUZZ_SEED`: seed of the random values (printed on every run).
//! * `STSENV_FUZZ_CASES`: number of random values per shell (default 20000).
//! * `STSENV_REQUIRE_SHELLS=1` or `CI`: a missing shell fails the test instead
//!   of being skipped.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Instant;

use stsenv::shell::Shell;
use stsenv::shell::quote::{nu_holds, set_var, statements, unset_var};

// The helpers of the other test binary (tests/tests.rs): the shells, and the one command builder.
#[macro_use]
#[path = "../util/mod.rs"]
mod util;

const SHELLS: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Nu];
const DEFAULT_SEED: u64 = 0x5475_656e_7621;
const DEFAULT_CASES: usize = 20_000;
/// Values per shell process.
const BATCH: usize = 2_000;
/// Files a batch's working directory holds; anything else (a CANARY) means
/// something was executed.
const WORK_FILES: [&str; 3] = ["code", "check", "envout"];

// ---------------------------------------------------------------------------
// Shells and their environment

/// The shell's binary, or `None` (after a loud message) if it is not installed
/// and not required.
fn shell_binary(shell: Shell) -> Option<PathBuf> {
    let found = if shell == Shell::Nu { util::nu_bin() } else { util::find_on_path(shell.name()) };
    match found {
        Some(bin) => Some(bin),
        None if util::shells_required() => {
            panic!("{} is not installed, and STSENV_REQUIRE_SHELLS=1 or CI is set", shell.name())
        }
        None => {
            eprintln!(
                "\n!!!!!!!! skipping {}: not installed (set STSENV_REQUIRE_SHELLS=1 to fail) !!!!!!!!\n",
                shell.name()
            );
            None
        }
    }
}

/// Run `script` (passed with `-c`) in `cwd` with a clean environment plus `extra_env`.
fn run_shell(
    shell: Shell,
    bin: &Path,
    script: &str,
    cwd: &Path,
    home: &Path,
    locale: &str,
    extra_env: &[(&str, &str)],
) -> Output {
    let mut cmd = util::run::command(bin);
    match shell {
        Shell::Bash => cmd.args(["--noprofile", "--norc", "-e", "-u", "-c", script]),
        Shell::Zsh => cmd.args(["--no-rcs", "-e", "-u", "-c", script]),
        Shell::Fish => cmd.args(["--no-config", "--private", "-c", script]),
        Shell::Nu => cmd.args(["--no-config-file", "--no-history", "-c", script]),
    };
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("LANG", "C.UTF-8")
        .env("LC_ALL", locale)
        .envs(extra_env.iter().copied())
        .current_dir(cwd)
        .stdin(Stdio::null());
    cmd.output().unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
}

/// Shell code that evals the file `code` the way the wrapper functions do:
/// bash/zsh `out=$(command stsenv ...); eval "$out"`, fish
/// `command stsenv ... | source` (or `eval (... | string collect)`).
fn eval_code_file(shell: Shell, variant: usize) -> &'static str {
    match shell {
        Shell::Bash | Shell::Zsh => "out=$(cat ./code); eval \"$out\"\n",
        Shell::Fish if variant.is_multiple_of(2) => "cat ./code | source\n",
        Shell::Fish => "eval (cat ./code | string collect)\n",
        // As the functions do, one JSON object a line, applied in order.
        Shell::Nu => {
            "for line in (open --raw ./code | decode utf-8 | lines) {\n  let c = ($line | from json)\n  \
             hide-env --ignore-errors ...$c.unset\n  load-env $c.set\n}\n"
        }
    }
}

fn escaped(bytes: &[u8]) -> String {
    format!("b\"{}\"", bytes.escape_ascii())
}

// ---------------------------------------------------------------------------
// Values

/// Fragments that would run `touch CANARY` (or create CANARY) if any quoting
/// were broken.
const PAYLOADS: &[&str] = &[
    "$(touch CANARY)",
    "`touch CANARY`",
    "'; touch CANARY; '",
    "\"; touch CANARY; \"",
    "'$(touch CANARY)'",
    "\"$(touch CANARY)\"",
    "\\'; touch CANARY; #",
    "'\\''; touch CANARY; '\\''",
    "(touch CANARY)",
    "'(touch CANARY)'",
    "\"(touch CANARY)\"",
    "\ntouch CANARY\n",
    "\r\ntouch CANARY\r\n",
    "; touch CANARY",
    "| touch CANARY",
    "&& touch CANARY",
    ">CANARY",
    "<(touch CANARY)",
    "$'\\''; touch CANARY; '",
    "\\\ntouch CANARY",
    "${HOME:=x}$(touch CANARY)",
    "\\$(touch CANARY)",
    "$((0))`touch CANARY`",
    "{touch,CANARY}",
    "; or touch CANARY",
    "; and touch CANARY",
    "\\X0A touch CANARY",
    "\\x0a touch CANARY",
    "'\\X27; touch CANARY; '",
    "$(touch CANARY)\\",
];

const NASTY_ASCII: &[&str] = &[
    "'",
    "\"",
    "\\",
    "\\\\",
    "\\'",
    "'\\''",
    "$",
    "$HOME",
    "${HOME}",
    "$'",
    "$\"",
    "`",
    "!",
    "!!",
    "!$",
    "^",
    "%",
    "%self",
    "%1",
    "{",
    "}",
    "{a,b}",
    "{1..3}",
    "*",
    "**",
    "?",
    "[a]",
    "~",
    "~root",
    "#",
    ";",
    "&",
    "|",
    "<",
    ">",
    "(",
    ")",
    "=",
    "--",
    "-e",
    "-x",
    " ",
    "  ",
    "\t",
    "\\n",
    "\\x41",
    "\\X41",
    "\\u20ac",
    "\\e",
    "\\c",
    "\\0",
    "$fish_pid",
    "$$",
    "$?",
    "$PATH",
    "$[1]",
    "$((1+1))",
    "@",
    ":",
    ",",
    "'\"'\"'",
];

const PREFIXES: &[&str] =
    &["-", "--", "-e", "-gx", "-U", "--help", "~", "~root/", "=", "#", "%", "!", "{", "*", "\\"];

/// Invalid UTF-8: overlong forms, surrogates, beyond U+10FFFF, truncated and
/// stray sequences.
const MALFORMED: &[&[u8]] = &[
    b"\xc0\x80",
    b"\xc1\xbf",
    b"\xe0\x80\x80",
    b"\xe0\x9f\xbf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf0\x80\x80\x80",
    b"\xf4\x90\x80\x80",
    b"\xf5\x80\x80\x80",
    b"\xf8\x88\x80\x80\x80",
    b"\xfc\x84\x80\x80\x80\x80",
    b"\xfe",
    b"\xff",
    b"\xe2\x82",
    b"\xf0\x9f\x98",
    b"\x80",
    b"\xbf",
    b"\x80\x80\x80",
    b"\xc3",
    b"\xef\xbb\xbf",
];

fn push_char(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).expect("valid code point");
    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
}

/// A random valid non-ASCII UTF-8 character, biased toward code points that
/// fish reserves internally and other oddities.
fn push_unicode(rng: &mut fastrand::Rng, out: &mut Vec<u8>) {
    let cp = match rng.u8(0..10) {
        0 | 1 => rng.u32(0xF600..=0xF6FF), // fish's encoded raw bytes
        2 => rng.u32(0xFDD0..=0xFDEF),     // fish's internal markers
        3 => [0xFFFE, 0xFFFF, 0xFEFF, 0x2028, 0x2029, 0x85, 0xA0, 0x10FFFF][rng.usize(0..8)],
        4 => rng.u32(0x80..=0x9F), // C1 controls
        5 => rng.u32(0xA0..0x800),
        6 => rng.u32(0x800..0xD800),
        7 => rng.u32(0xE000..=0xFFFF),
        8 => rng.u32(0x1F300..0x1FAFF), // emoji
        _ => rng.u32(0x10000..=0x10FFFF),
    };
    push_char(out, cp);
}

fn push_piece(rng: &mut fastrand::Rng, out: &mut Vec<u8>, printable_only: bool) {
    let kind = if printable_only { rng.u8(0..3) } else { rng.u8(0..12) };
    match kind {
        0 => out.extend_from_slice(NASTY_ASCII[rng.usize(..NASTY_ASCII.len())].as_bytes()),
        1 => (0..rng.usize(1..12)).for_each(|_| out.push(rng.u8(0x20..=0x7e))),
        2 if printable_only => {
            let p = PAYLOADS[rng.usize(..PAYLOADS.len())].as_bytes();
            out.extend(p.iter().map(|&b| if b < 0x20 { b' ' } else { b }));
        }
        2 => out.extend_from_slice(PAYLOADS[rng.usize(..PAYLOADS.len())].as_bytes()),
        3 => match rng.u8(0..4) {
            0 => out.extend_from_slice(b"\n"),
            1 => out.extend_from_slice(b"\r\n"),
            2 => out.push(0x7f),
            _ => out.push(rng.u8(1..0x20)),
        },
        4 => (0..rng.usize(1..4)).for_each(|_| out.push(rng.u8(0x80..=0xff))),
        5 => out.extend_from_slice(MALFORMED[rng.usize(..MALFORMED.len())]),
        6..=8 => push_unicode(rng, out),
        9 => out.push(rng.u8(1..=0xff)),
        10 => out.extend_from_slice(b"\x1b[31m"),
        _ => out.extend_from_slice([" ", "\t", "\n\n", "\\\n"][rng.usize(0..4)].as_bytes()),
    }
}

fn random_value(rng: &mut fastrand::Rng) -> Vec<u8> {
    let mut v = Vec::new();
    let roll = rng.u8(0..100);
    if roll < 3 {
        return v; // empty
    }
    let printable_only = roll < 25; // exercises the plain single-quote path
    if rng.u8(0..10) == 0 {
        v.extend_from_slice(PREFIXES[rng.usize(..PREFIXES.len())].as_bytes());
    }
    if roll >= 97 {
        let len = rng.usize(1_000..8_000);
        while v.len() < len {
            push_piece(rng, &mut v, printable_only);
        }
    } else {
        for _ in 0..rng.usize(1..10) {
            push_piece(rng, &mut v, printable_only);
        }
    }
    v
}

/// Values checked on every run regardless of the seed.
fn fixed_values() -> Vec<Vec<u8>> {
    let mut values =
        vec![Vec::new(), (1..=255).collect(), (1..=255).rev().collect(), (0x20..=0x7e).collect()];
    for b in 1..=255u8 {
        values.push(vec![b]);
        values.push(vec![b'a', b, b'a']);
        values.push(vec![b'\'', b, b'\\']);
    }
    for cp in (0xF600..=0xF6FF).chain(0xFDD0..=0xFDEF).chain([0xFFFE, 0xFFFF]) {
        let mut v = Vec::new();
        push_char(&mut v, cp);
        values.push(v.clone());
        let mut w = b"x".to_vec();
        w.extend_from_slice(&v);
        w.extend_from_slice(b"*");
        values.push(w);
    }
    for m in MALFORMED {
        values.push(m.to_vec());
        values.push([b"'".as_slice(), m, b"'"].concat());
    }
    values.extend(PAYLOADS.iter().map(|p| p.as_bytes().to_vec()));
    values.extend(NASTY_ASCII.iter().map(|p| p.as_bytes().to_vec()));
    values.extend(PREFIXES.iter().map(|p| p.as_bytes().to_vec()));
    values
}

// ---------------------------------------------------------------------------
// Round trip

/// Code that evaluates `./code` and then prints V0..Vn NUL-terminated to stdout
/// and the environment (`env -0`) to `./envout`.
fn check_script(shell: Shell, n: usize) -> String {
    let mut s = String::new();
    match shell {
        Shell::Bash | Shell::Zsh => {
            for i in 0..n {
                writeln!(s, "printf '%s\\0' \"$V{i}\"").unwrap();
            }
        }
        Shell::Fish => {
            // Unquoted: each variable must be a list of exactly one element.
            s.push_str("for n in");
            for i in 0..n {
                write!(s, " V{i}").unwrap();
            }
            s.push_str(
                "\n  set -l c (count $$n)\n  test $c -eq 1; or echo \"$n has $c elements\" >&2\nend\n",
            );
            for i in 0..n {
                writeln!(s, "printf '%s\\0' $V{i}").unwrap();
            }
        }
        Shell::Nu => {
            // Each must be a string, printed as it is (one `select`: `get` in a loop is quadratic).
            s.push_str("let names = [");
            for i in 0..n {
                write!(s, " V{i}").unwrap();
            }
            s.push_str(" ]\nlet vals = ($env | select ...$names | values)\n");
            s.push_str("let bad = ($vals | each {|v| $v | describe} | where $it != 'string')\n");
            s.push_str("if ($bad | is-not-empty) { print -e $'not strings: ($bad)' }\n");
            s.push_str("print -n ($vals | each {|v| $v + (char nul) } | str join)\n");
            s.push_str("^env -0 o> ./envout\n");
            return s;
        }
    }
    s.push_str("env -0 > ./envout\n");
    s
}

/// Run one batch of values through `shell`; returns a description of every
/// failure (empty on success).
fn run_batch(shell: Shell, bin: &Path, values: &[Vec<u8>], locale: &str, variant: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let names: Vec<String> = (0..values.len()).map(|i| format!("V{i}")).collect();
    let assignments: Vec<(&str, Option<&[u8]>)> =
        names.iter().zip(values).map(|(n, v)| (n.as_str(), Some(v.as_slice()))).collect();
    let code = statements(shell, &assignments);
    fs::write(dir.path().join("code"), &code).unwrap();
    fs::write(dir.path().join("check"), check_script(shell, values.len())).unwrap();
    let script = match shell {
        // nushell's `source` is resolved when the script is parsed: the check goes inline.
        Shell::Nu => format!("{}{}", eval_code_file(shell, variant), check_script(shell, values.len())),
        Shell::Fish => format!("{}source ./check\n", eval_code_file(shell, variant)),
        _ => format!("{}. ./check\n", eval_code_file(shell, variant)),
    };
    let out = run_shell(shell, bin, &script, dir.path(), home.path(), locale, &[]);

    let mut failures = Vec::new();
    let context = format!("{} (LC_ALL={locale}, variant {variant})", shell.name());
    let leftover: BTreeSet<String> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !WORK_FILES.contains(&n.as_str()))
        .collect();
    if !leftover.is_empty() {
        failures.push(format!("{context}: something was EXECUTED, unexpected files {leftover:?}"));
    }
    if !out.status.success() || !out.stderr.is_empty() {
        failures.push(format!(
            "{context}: {}, stderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
        return failures;
    }

    let got: Vec<&[u8]> = out.stdout.split(|&b| b == 0).collect();
    if got.len() != values.len() + 1 || !got[values.len()].is_empty() {
        failures.push(format!(
            "{context}: expected {} NUL-terminated values, got {} fields",
            values.len(),
            got.len()
        ));
        return failures;
    }
    let envout = fs::read(dir.path().join("envout")).unwrap();
    let env: HashMap<&[u8], &[u8]> = envout
        .split(|&b| b == 0)
        .filter_map(|rec| {
            let eq = rec.iter().position(|&b| b == b'=')?;
            Some((&rec[..eq], &rec[eq + 1..]))
        })
        .collect();
    for (i, value) in values.iter().enumerate() {
        let name = format!("V{i}");
        let exported = env.get(name.as_bytes()).copied();
        if got[i] != value.as_slice() || exported != Some(value.as_slice()) {
            failures.push(format!(
                "{context}: mismatch for {name}\n  value:    {}\n  emitted:  {}\n  got:      {}\n  exported: {}",
                escaped(value),
                set_var(shell, &name, value).trim_end(),
                escaped(got[i]),
                exported.map_or_else(|| "(not exported)".to_owned(), escaped),
            ));
        }
    }
    failures
}

/// When a whole batch failed (syntax error, ...), find the guilty values,
/// trying those with a CANARY payload first.
fn pinpoint(shell: Shell, bin: &Path, values: &[Vec<u8>], locale: &str, variant: usize) -> Vec<String> {
    let has_payload = |v: &Vec<u8>| v.windows(6).any(|w| w == b"CANARY");
    let mut found = Vec::new();
    let payloads_first = values.iter().filter(|v| has_payload(v));
    for v in payloads_first.chain(values.iter().filter(|v| !has_payload(v))) {
        let f = run_batch(shell, bin, std::slice::from_ref(v), locale, variant);
        if !f.is_empty() {
            found.push(format!("value {}:\n{}", escaped(v), f.join("\n")));
            if found.len() >= 3 {
                break;
            }
        }
    }
    found
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(s) => {
            let s = s.trim();
            let parsed = match s.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => s.parse(),
            };
            parsed.unwrap_or_else(|e| panic!("{name}={s:?}: {e}"))
        }
        Err(_) => default,
    }
}

#[test]
fn values_round_trip_through_real_shells() {
    let seed = env_number("STSENV_FUZZ_SEED", DEFAULT_SEED);
    let cases = usize::try_from(env_number("STSENV_FUZZ_CASES", DEFAULT_CASES as u64)).unwrap();
    eprintln!("quoting: STSENV_FUZZ_SEED={seed:#x} STSENV_FUZZ_CASES={cases}");

    let mut rng = fastrand::Rng::with_seed(seed);
    let mut values = fixed_values();
    values.extend((0..cases).map(|_| random_value(&mut rng)));
    // At least two batches, so that one runs under LC_ALL=C.
    let batches = values.len().div_ceil(BATCH).max(2);
    let chunk = values.len().div_ceil(batches);

    // nushell gets every value it can hold.
    let nu_values: Vec<Vec<u8>> = values.iter().filter(|v| nu_holds(v)).cloned().collect();
    let nu_chunk = nu_values.len().div_ceil(batches);

    let start = Instant::now();
    let results: Vec<(Shell, Option<usize>, Vec<String>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = SHELLS
            .iter()
            .map(|&shell| {
                let (values, chunk) =
                    if shell == Shell::Nu { (&nu_values, nu_chunk) } else { (&values, chunk) };
                scope.spawn(move || {
                    let Some(bin) = shell_binary(shell) else {
                        return (shell, None, Vec::new());
                    };
                    let mut failures = Vec::new();
                    let mut checked = 0;
                    for (b, batch) in values.chunks(chunk).enumerate() {
                        let locale = if b % 3 == 1 { "C" } else { "C.UTF-8" };
                        let f = run_batch(shell, &bin, batch, locale, b);
                        if !f.is_empty() {
                            failures.extend(f);
                            failures.extend(pinpoint(shell, &bin, batch, locale, b));
                            break;
                        }
                        checked += batch.len();
                    }
                    (shell, Some(checked), failures)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut all_failures = Vec::new();
    let mut report = String::new();
    for (shell, checked, failures) in results {
        match checked {
            Some(n) => write!(report, " {}={n}", shell.name()).unwrap(),
            None => write!(report, " {}=SKIPPED", shell.name()).unwrap(),
        }
        all_failures.extend(failures.into_iter().take(10));
    }
    eprintln!("quoting: values checked per shell:{report} ({:.1?}, seed {seed:#x})", start.elapsed());
    assert!(
        all_failures.is_empty(),
        "quoting round trip failed (STSENV_FUZZ_SEED={seed:#x}):\n\n{}",
        all_failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// unset

#[test]
fn unset_removes_variables_silently() {
    for shell in SHELLS {
        let Some(bin) = shell_binary(shell) else {
            continue;
        };
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        // FROM_PARENT is inherited, SET_HERE is set by the code itself,
        // NEVER_SET doesn't exist; KEPT must survive.
        let code = [
            set_var(shell, "SET_HERE", b"x"),
            set_var(shell, "KEPT", b"kept value"),
            unset_var(shell, "FROM_PARENT"),
            unset_var(shell, "SET_HERE"),
            unset_var(shell, "SET_HERE"),
            unset_var(shell, "NEVER_SET"),
        ]
        .concat();
        fs::write(dir.path().join("code"), &code).unwrap();
        let check = match shell {
            Shell::Bash | Shell::Zsh => {
                r#"echo "status=$?"
for n in FROM_PARENT SET_HERE NEVER_SET KEPT; do
  if [ -n "$(eval "printf %s \"\${$n+set}\"")" ]; then echo "$n set"; fi
done
printenv FROM_PARENT SET_HERE NEVER_SET KEPT || true
"#
            }
            Shell::Fish => {
                r#"echo "status=$status"
for n in FROM_PARENT SET_HERE NEVER_SET KEPT
  set -q $n; and echo "$n set"
end
printenv FROM_PARENT SET_HERE NEVER_SET KEPT; or true
"#
            }
            Shell::Nu => {
                r#"print "status=0"
for n in [FROM_PARENT SET_HERE NEVER_SET KEPT] { if $n in $env { print $"($n) set" } }
^sh -c 'printenv FROM_PARENT SET_HERE NEVER_SET KEPT; true'
"#
            }
        };
        let script = format!("{}{check}", eval_code_file(shell, 0));
        let out = run_shell(
            shell,
            &bin,
            &script,
            dir.path(),
            home.path(),
            "C.UTF-8",
            &[("FROM_PARENT", "inherited")],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "{}: {}\nstderr: {stderr}\ncode:\n{code}",
            shell.name(),
            out.status
        );
        assert_eq!(stdout, "status=0\nKEPT set\nkept value\n", "{}: code:\n{code}", shell.name());
    }
}
