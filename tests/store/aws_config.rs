//! `stsenv aws-config`: stsenv's block of `~/.aws/config` (a profile per account and role,
//! each running `stsenv credential-process`), every other byte kept, the user's own profiles
//! never replaced, a file others could write refused; and the profiles in use: the AWS CLI v1,
//! boto3 (two profiles in one process) and the JavaScript SDK v3, ten clients at once over
//! three profiles, one GetSessionToken in all, counted at the recording proxy.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use stsenv::store::slot::Slot;
use time::OffsetDateTime;

use crate::util::fixtures::sts_home;
use crate::util::moto::{Moto, venv};
use crate::util::record::Recorder;
use crate::util::{Home, bin, mode, node_dir, stderr, stdout};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::123456789012:", "user": "jbrowne", "region": "us-east-1",
               "roles": {"admin": "arn:aws:iam::123456789012:role/Admin", "readonly": "ReadOnly"}},
  "work": "arn:aws:iam::210987654321:"
}"#;

const BEGIN: &str =
    "# >>> stsenv aws-config: managed block, rewritten by `stsenv aws-config`; edit outside it >>>\n";
const END: &str = "# <<< stsenv aws-config <<<\n";

/// The block stsenv writes for ACCOUNTS with the binary at `program` (as written in the file).
fn block(program: &str, roles: &[(&str, &str)]) -> String {
    let mut text = format!(
        "{BEGIN}[profile personal]\n# MFA session of stsenv account personal\n\
         credential_process = {program} credential-process personal\nregion = us-east-1\n"
    );
    for (key, arn) in roles {
        text.push_str(&format!(
            "\n[profile personal-{key}]\n# role {key} ({arn}) of stsenv account personal\n\
             credential_process = {program} credential-process personal --role {key}\nregion = us-east-1\n"
        ));
    }
    text.push_str(&format!(
        "\n[profile work]\n# MFA session of stsenv account work\ncredential_process = {program} credential-process work\n{END}"
    ));
    text
}

const ROLES: &[(&str, &str)] = &[
    ("admin", "arn:aws:iam::123456789012:role/Admin"),
    ("readonly", "arn:aws:iam::123456789012:role/ReadOnly"),
];

fn config(home: &Home) -> PathBuf {
    home.path().join(".aws/config")
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(out));
    stdout(out)
}

/// One line on stderr, exit 2, stdout empty.
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", stderr(out));
    assert_eq!(stdout(out), "");
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn aws_config_writes_its_block_and_keeps_every_other_byte() {
    let home = sts_home("http://127.0.0.1:9");
    home.accounts(ACCOUNTS);
    let program = bin().display().to_string();
    // The user's file: comments, a default profile, a profile, no line ending at its end;
    // through a symlink (dotfiles), mode 0640.
    let mine = "# my settings\n[default]\nregion = eu-west-1\n\n[profile other]\noutput = json";
    let real = home.path().join("dotfiles/aws-config");
    write(&real, mine);
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&real, config(&home)).unwrap_or_else(|_| {
        std::fs::create_dir_all(config(&home).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(&real, config(&home)).unwrap()
    });
    let out = home.stsenv(&["aws-config"]);
    assert_eq!(ok(&out), "");
    assert_eq!(
        stderr(&out).trim_end(),
        format!(
            "Wrote 4 profiles to {}: personal personal-admin personal-readonly work",
            config(&home).display()
        )
    );
    let written = std::fs::read_to_string(&real).unwrap();
    assert_eq!(written, format!("{mine}\n{}", block(&program, ROLES)));
    assert!(std::fs::symlink_metadata(config(&home)).unwrap().file_type().is_symlink(), "still a link");
    assert_eq!(mode(&real), 0o640);
    // The AWS CLI reads every profile (botocore refuses a file with a profile twice).
    let mut profiles = home.command(venv().join("bin/python"));
    profiles.args([
        "-c",
        "import botocore.session; print('\\n'.join(sorted(botocore.session.Session().available_profiles)))",
    ]);
    let listed = ok(&profiles.output().unwrap());
    assert_eq!(
        listed.lines().collect::<Vec<_>>(),
        ["default", "other", "personal", "personal-admin", "personal-readonly", "work"]
    );

    // The user adds a profile after the block; a role goes from the accounts file: the block is
    // rewritten in place, what follows it kept.
    let after = "\n# mine again\n[profile later]\nregion = ap-south-1\n";
    write(&real, &format!("{written}{after}"));
    home.accounts(&ACCOUNTS.replace(r#", "readonly": "ReadOnly""#, ""));
    ok(&home.stsenv(&["aws-config"]));
    let rewritten = std::fs::read_to_string(&real).unwrap();
    assert_eq!(rewritten, format!("{mine}\n{}{after}", block(&program, &ROLES[..1])));
    // Twice: the same bytes.
    ok(&home.stsenv(&["aws-config"]));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), rewritten);

    // --print: the block alone, on stdout; the file unchanged.
    let printed = ok(&home.stsenv(&["aws-config", "--print"]));
    assert_eq!(printed, block(&program, &ROLES[..1]));
    assert_eq!(std::fs::read_to_string(&real).unwrap(), rewritten);

    // --remove: the user's bytes, as they were (with the line ending the block needed).
    let out = home.stsenv(&["aws-config", "--remove"]);
    assert_eq!(ok(&out), "");
    assert_stderr_contains!(out, "Removed stsenv's profiles from");
    assert_eq!(std::fs::read_to_string(&real).unwrap(), format!("{mine}\n{after}"));
    assert_eq!(mode(&real), 0o640);
    let out = home.stsenv(&["aws-config", "--remove"]);
    assert_stderr_contains!(out, "nothing to remove");

    // No file yet, in $AWS_CONFIG_FILE: made 0600 in a directory made 0700.
    let mut home = home;
    let fresh = home.path().join("new/aws/config");
    home.set("AWS_CONFIG_FILE", &fresh);
    ok(&home.stsenv(&["aws-config"]));
    assert_eq!(std::fs::read_to_string(&fresh).unwrap(), block(&program, &ROLES[..1]));
    assert_eq!((mode(&fresh), mode(fresh.parent().unwrap())), (0o600, 0o700));
}

#[test]
fn a_profile_of_the_users_own_is_never_replaced() {
    let home = sts_home("http://127.0.0.1:9");
    home.accounts(ACCOUNTS);
    let mine =
        "[profile personal-admin]\nregion = eu-central-1\nrole_arn = arn:aws:iam::123456789012:role/Mine\n";
    write(&config(&home), mine);
    let out = home.stsenv(&["aws-config"]);
    ok(&out);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "left out profile personal-admin: [profile personal-admin] at line 1 of {} is not stsenv's, and stsenv never replaces it; to let stsenv write it, delete or rename yours and run stsenv aws-config again",
            config(&home).display()
        )),
        "{err}"
    );
    assert_stderr_contains!(out, "Wrote 3 profiles");
    let text = std::fs::read_to_string(config(&home)).unwrap();
    let program = bin().display().to_string();
    let expected_block = block(&program, &ROLES[1..]);
    assert_eq!(text, format!("{mine}{expected_block}"));
    // --print says the same and shows the same block.
    let out = home.stsenv(&["aws-config", "--print"]);
    assert_eq!(ok(&out), expected_block);
    assert_stderr_contains!(out, "left out profile personal-admin");
}

#[test]
fn aws_config_refuses_a_file_others_could_change() {
    let home = sts_home("http://127.0.0.1:9");
    home.accounts(ACCOUNTS);
    let mine = "[default]\nregion = eu-west-1\n";
    write(&config(&home), mine);
    let aws_dir = config(&home).parent().unwrap().to_owned();
    // The file, then its directory, writable by others.
    std::fs::set_permissions(config(&home), std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = refused(&home.stsenv(&["aws-config"]));
    assert!(err.contains("is writable by group or others (mode 666)"), "{err}");
    assert!(err.contains(&format!("chmod go-w {}", config(&home).display())), "{err}");
    std::fs::set_permissions(config(&home), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::set_permissions(&aws_dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let err = refused(&home.stsenv(&["aws-config"]));
    assert!(
        err.contains(&format!("is in {}, which is writable by group or others", aws_dir.display())),
        "{err}"
    );
    std::fs::set_permissions(&aws_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(std::fs::read_to_string(config(&home)).unwrap(), mine);
    assert!(!aws_dir.join(".config.stsenv.lock").exists(), "nothing made beside a file refused");
    // Broken markers: stsenv cannot tell its lines, and says how to fix them.
    let broken = format!("{mine}{BEGIN}[profile personal]\n");
    write(&config(&home), &broken);
    let err = refused(&home.stsenv(&["aws-config"]));
    assert!(err.contains("line 3 of") && err.contains("without its end"), "{err}");
    assert_eq!(std::fs::read_to_string(config(&home)).unwrap(), broken);
    // A link into another user's file: never followed to write it.
    if let Some(user) = crate::util::other_user() {
        let theirs = home.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        let target = theirs.join("config");
        write(&target, mine);
        user.give(&theirs);
        std::fs::remove_file(config(&home)).unwrap();
        std::os::unix::fs::symlink(&target, config(&home)).unwrap();
        let err = refused(&home.stsenv(&["aws-config"]));
        assert!(err.contains(&format!("(uid {})", user.uid)), "{err}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), mine);
    }
}

/// The stsenv binary at a path with a space in it (a hard link, else a copy).
fn binary_with_a_space(home: &Home) -> PathBuf {
    let dir = home.path().join("my tools");
    std::fs::create_dir(&dir).unwrap();
    let path = dir.join("stsenv");
    if std::fs::hard_link(bin(), &path).is_err() {
        std::fs::copy(bin(), &path).unwrap();
    }
    path
}

#[test]
fn ten_clients_over_three_profiles_make_one_get_session_token() {
    let moto = Moto::start(false);
    let user = moto.user("jbrowne");
    let recorder = Recorder::start(&moto.url);
    let mut home = Home::new();
    home.user_keys("personal", &user).accounts(ACCOUNTS);
    // The code comes from the seed; every client and stsenv reach STS through the proxy.
    home.write_secret("personal.totp", user.seed.as_bytes());
    home.set("AWS_ENDPOINT_URL_STS", &recorder.url)
        .set("AWS_ENDPOINT_URL", &recorder.url)
        .set("NODE_PATH", node_dir().join("node_modules"))
        .set("NODE_NO_WARNINGS", "1");
    let program = binary_with_a_space(&home);
    let mut cmd = home.command(&program);
    let out = cmd.arg("aws-config").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let quoted = format!("'{}'", program.display());
    assert!(
        std::fs::read_to_string(config(&home))
            .unwrap()
            .contains(&format!("credential_process = {quoted} credential-process personal --role admin\n")),
        "the path is quoted"
    );
    let js = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/sts_identity.js");
    let boto3 = "import boto3, json, sys\n\
                 print(json.dumps({p: boto3.Session(profile_name=p).client('sts').get_caller_identity()['Arn'] for p in sys.argv[1:]}))";
    // Ten processes at once: four AWS CLIs (each with its own AWS_PROFILE), three boto3 processes
    // with two profiles each, three JavaScript SDK clients.
    let profiles = ["personal", "personal-admin", "personal-readonly"];
    let mut children = Vec::new();
    for i in 0..10 {
        let profile = profiles[i % 3];
        let mut cmd = match i {
            0..4 => {
                let mut cmd = home.command(venv().join("bin/aws"));
                cmd.args(crate::util::moto::CALLER_ARN).env("AWS_PROFILE", profile);
                cmd
            }
            4..7 => {
                let mut cmd = home.command(venv().join("bin/python"));
                cmd.args(["-c", boto3, profile, profiles[(i + 1) % 3]]);
                cmd
            }
            _ => {
                let mut cmd = home.command("node");
                cmd.arg(&js).args(["ini", profile]);
                cmd
            }
        };
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        children.push((i, profile, cmd.spawn().unwrap()));
    }
    let arn_of = |profile: &str| match profile {
        "personal-admin" => "arn:aws:sts::123456789012:assumed-role/Admin/stsenv-jbrowne",
        "personal-readonly" => "arn:aws:sts::123456789012:assumed-role/ReadOnly/stsenv-jbrowne",
        _ => "session",
    };
    let check = |profile: &str, arn: &str| {
        if arn_of(profile) == "session" {
            assert!(arn.starts_with("arn:aws:") && arn.contains(":123456789012:user/"), "{profile}: {arn}");
        } else {
            assert_eq!(arn, arn_of(profile), "{profile}");
        }
    };
    let mut calls = 0;
    for (i, profile, child) in children {
        let out = child.wait_with_output().unwrap();
        let text = ok(&out);
        match i {
            0..4 => {
                check(profile, text.trim());
                calls += 1;
            }
            4..7 => {
                let seen: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
                assert_eq!(seen.len(), 2, "{text}");
                for (p, arn) in &seen {
                    check(p, arn.as_str().unwrap());
                    calls += 1;
                }
            }
            _ => {
                let seen: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
                check(profile, seen["arn"].as_str().unwrap());
                calls += 1;
            }
        }
    }
    // What the proxy saw: one GetSessionToken (with the seed's code, signed with the long-term
    // key), one AssumeRole per role (chained from the session), and the clients' calls.
    let sessions = recorder.actions("GetSessionToken");
    assert_eq!(sessions.len(), 1, "one GetSessionToken for ten clients: {sessions:?}");
    assert_eq!(sessions[0].field("SerialNumber"), Some(user.serial.as_str()));
    let code = sessions[0].field("TokenCode").unwrap();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    assert_eq!(sessions[0].signed_by(), user.access_key);
    let mut roles: Vec<String> =
        recorder.actions("AssumeRole").iter().map(|r| r.field("RoleArn").unwrap().to_owned()).collect();
    roles.sort();
    assert_eq!(roles, ["arn:aws:iam::123456789012:role/Admin", "arn:aws:iam::123456789012:role/ReadOnly"]);
    let session = home.cache().valid("personal", &Slot::Mfa, OffsetDateTime::now_utc()).unwrap();
    let session_key = String::from_utf8(session.credentials.access_key_id.expose().to_vec()).unwrap();
    assert_ne!(session_key, user.access_key);
    for r in recorder.actions("AssumeRole") {
        assert_eq!(r.signed_by(), session_key, "chained from the session");
    }
    assert_eq!(calls, 13);
    assert_eq!(recorder.actions("GetCallerIdentity").len(), calls);
    eprintln!(
        "10 clients (4 AWS CLI, 3 boto3 x 2 profiles, 3 JS SDK), 3 profiles: {} GetSessionToken, {} AssumeRole, {} GetCallerIdentity",
        sessions.len(),
        roles.len(),
        calls
    );
}

#[test]
fn the_file_options_given_are_passed_on_as_absolute_paths() {
    let home = sts_home("http://127.0.0.1:9");
    std::fs::create_dir(home.path().join("elsewhere")).unwrap();
    std::fs::write(home.path().join("elsewhere/accounts.json"), ACCOUNTS).unwrap();
    // Relative to the home, where the command runs: absolute in the profiles.
    let printed = ok(&home.stsenv(&[
        "--config",
        "elsewhere/accounts.json",
        "--creds-dir",
        "aws-creds",
        "aws-config",
        "--print",
    ]));
    let program = bin().display().to_string();
    let flags = format!(
        "--config {} --creds-dir {}",
        home.path().join("elsewhere/accounts.json").display(),
        home.path().join("aws-creds").display()
    );
    assert!(
        printed.contains(&format!(
            "credential_process = {program} {flags} credential-process personal --role admin\n"
        )),
        "{printed}"
    );
    assert!(!config(&home).exists(), "--print writes nothing");
}
