//! Scenarios written once and run in real bash, zsh, fish and nushell: the wrappers apply what
//! stsenv prints, and every variable is checked byte for byte after each step (bash, zsh and
//! fish again under a hostile user's options and aliases: see `util::hostile_prelude`).

use stsenv::base::times::rfc3339;
use stsenv::store::slot::Slot;
use time::{Duration, OffsetDateTime};

use crate::util::run::command;
use crate::util::{ACCESS_KEY, Home, SECRET_KEY, shells};

const ACCOUNTS: &str = r#"{
  "personal": {"arn": "arn:aws:iam::987654321012:", "region": "eu-west-1"},
  "work": "arn:aws:iam::012123456789:"
}"#;

fn home() -> Home {
    let home = Home::new();
    // Surrounding whitespace and a trailing newline are ignored.
    home.keys("personal", &format!("  {ACCESS_KEY}\n"), &format!("{SECRET_KEY}\n"));
    home.keys("work", "AKIAWORKWORKWORKWORK", "work/secret+key");
    home.accounts(ACCOUNTS);
    home
}

const TOKEN_VARS: [&str; 7] = [
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_DELEGATION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_SESSION_EXPIRATION",
    "STSENV_EXPIRES",
    "STSENV_ROLE",
];

#[test]
fn switch_sets_every_variable_and_clears_stale_ones() {
    let home = home();
    for shell in shells() {
        // Written again for each shell, 29 s past a minute boundary, time left rounding to the nearest minute, so that its run and the
        // hostile one moments later say the same time left however long the shells before took.
        let expiration = (OffsetDateTime::now_utc() + Duration::hours(6) + Duration::seconds(29))
            .replace_nanosecond(0)
            .unwrap();
        let cached = home.cache_session("work", Slot::Mfa, "FwoGZXIvYXdzEXAMPLETOKEN/+=", expiration);
        let steps = home.scenario_table(
            shell,
            &["ec2switch personal", "ec2switch work", "ec2switch personal", "ec2now", "ec2unset", "ec2now"],
        );
        // 1. Long-term keys, trimmed; the account's region; no token variables.
        let s = &steps[0];
        assert_eq!(s.status, 0, "{s:?}");
        assert_eq!(s.stdout, "");
        assert!(s.stderr.contains("Cache not present for account personal"), "{}", s.stderr);
        assert!(s.stderr.contains("Set keys for personal AWS account"), "{}", s.stderr);
        s.expect("AWS_ACCESS_KEY_ID", Some(ACCESS_KEY));
        s.expect("AWS_SECRET_ACCESS_KEY", Some(SECRET_KEY));
        s.expect("AWS_ACCESS_KEY", Some(ACCESS_KEY));
        s.expect("AWS_SECRET_KEY", Some(SECRET_KEY));
        s.expect("AWS_REGION", Some("eu-west-1"));
        s.expect("AWS_DEFAULT_REGION", Some("eu-west-1"));
        s.expect("STSENV_ACCOUNT", Some("personal"));
        s.expect("STSENV_KIND", Some("keys"));
        s.expect("AWS_PROFILE", None);
        for var in TOKEN_VARS {
            s.expect(var, None);
        }
        // 2. The cached MFA session of work: token variables, expiry, default region.
        let s = &steps[1];
        assert_eq!(s.status, 0, "{s:?}");
        assert!(s.stderr.contains("Cache is valid for account work"), "{}", s.stderr);
        assert!(s.stderr.contains("Set keys for work-MFA-STS AWS account"), "{}", s.stderr);
        let c = &cached.credentials;
        let text = |b: &stsenv::base::credentials::Secret| String::from_utf8(b.expose().to_vec()).unwrap();
        s.expect("AWS_ACCESS_KEY_ID", Some(&text(&c.access_key_id)));
        s.expect("AWS_SECRET_ACCESS_KEY", Some(&text(&c.secret_access_key)));
        s.expect("AWS_ACCESS_KEY", Some(&text(&c.access_key_id)));
        s.expect("AWS_SECRET_KEY", Some(&text(&c.secret_access_key)));
        for var in ["AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_DELEGATION_TOKEN"] {
            s.expect(var, Some("FwoGZXIvYXdzEXAMPLETOKEN/+="));
        }
        let exp = rfc3339(expiration);
        assert!(exp.ends_with('Z'));
        s.expect("AWS_CREDENTIAL_EXPIRATION", Some(&exp));
        // The name prompt themes and older tools read: the same time.
        s.expect("AWS_SESSION_EXPIRATION", Some(&exp));
        s.expect("STSENV_EXPIRES", Some(&expiration.unix_timestamp().to_string()));
        s.expect("STSENV_KIND", Some("mfa"));
        s.expect("STSENV_ACCOUNT", Some("work"));
        // The region personal set is stsenv's, not the user's: work gets the default.
        s.expect("AWS_REGION", Some("us-east-1"));
        s.expect("AWS_DEFAULT_REGION", Some("us-east-1"));
        // 3. Back to long-term keys: the session's variables are gone.
        let s = &steps[2];
        s.expect("STSENV_KIND", Some("keys"));
        s.expect("AWS_ACCESS_KEY_ID", Some(ACCESS_KEY));
        for var in TOKEN_VARS {
            s.expect(var, None);
        }
        // 4. ec2now.
        assert_eq!(steps[3].stdout, "Keys set for personal AWS account\nRegion is eu-west-1\n", "{shell}");
        // 5. ec2unset removes every variable; 6. ec2now says so.
        assert_eq!(steps[4].status, 0);
        assert!(steps[4].managed().is_empty(), "{shell}: left {:?}", steps[4].managed());
        assert_eq!(steps[5].stdout, "No keys set\n", "{shell}");
    }
}

#[test]
fn failures_leave_the_shell_unchanged() {
    let home = home();
    home.keys("empty", "\n", "x");
    for shell in shells() {
        let steps = home.scenario_table(
            shell,
            &["ec2switch personal", "ec2switch persnal", "ec2switch empty", "ec2switch ../personal"],
        );
        for s in &steps[1..] {
            assert_eq!(s.status, 2, "{shell} {}: {}", s.step, s.stderr);
            assert_eq!(s.stdout, "");
            assert_eq!(s.stderr.lines().count(), 1, "one line: {}", s.stderr);
            assert_eq!(s.managed(), steps[0].managed(), "{shell} {}", s.step);
            s.expect("STSENV_ACCOUNT", Some("personal"));
            s.expect("AWS_ACCESS_KEY_ID", Some(ACCESS_KEY));
        }
        assert!(steps[1].stderr.contains("did you mean 'personal'?"), "{}", steps[1].stderr);
        assert!(steps[2].stderr.contains("empty.access_key is empty"), "{}", steps[2].stderr);
        assert!(steps[3].stderr.contains("not a valid account name"), "{}", steps[3].stderr);
    }
}

#[test]
fn the_users_own_region_is_kept_and_given_back() {
    let mut home = home();
    home.set("AWS_REGION", "ap-south-1");
    for shell in shells() {
        let steps = home
            .scenario_table(shell, &["ec2switch work", "ec2switch personal", "ec2switch work", "ec2unset"]);
        steps[0].expect("AWS_REGION", Some("ap-south-1"));
        steps[1].expect("AWS_REGION", Some("eu-west-1"));
        steps[1].expect("AWS_DEFAULT_REGION", Some("eu-west-1"));
        steps[2].expect("AWS_REGION", Some("ap-south-1"));
        steps[3].expect("AWS_REGION", Some("ap-south-1"));
        steps[3].expect("STSENV_ACCOUNT", None);
    }
}

#[test]
fn expired_cache_falls_back_to_long_term_keys() {
    let home = home();
    // Within the 5-minute margin counts as expired.
    home.cache_session(
        "work",
        Slot::Mfa,
        "OLDTOKENOLDTOKENOLD",
        OffsetDateTime::now_utc() + Duration::minutes(4),
    );
    for shell in shells() {
        let steps = home.scenario_table(shell, &["ec2switch WORK"]);
        let s = &steps[0];
        assert!(s.stderr.contains("Cache expired for account work"), "{}", s.stderr);
        s.expect("STSENV_KIND", Some("keys"));
        s.expect("STSENV_ACCOUNT", Some("work"));
        s.expect("AWS_ACCESS_KEY_ID", Some("AKIAWORKWORKWORKWORK"));
        s.expect("AWS_SESSION_TOKEN", None);
    }
}

#[test]
fn listing_accounts_and_the_prompt_function() {
    let home = home();
    for shell in shells() {
        // For each shell (29 s past a minute boundary; time left rounds to the nearest minute):
        // its runs say 11h58m however long the shells before took.
        home.cache_session(
            "work",
            Slot::Mfa,
            "PROMPTTOKENPROMPTTOKEN",
            OffsetDateTime::now_utc() + Duration::hours(11) + Duration::minutes(58) + Duration::seconds(29),
        );
        let steps = home.scenario_table(
            shell,
            &[
                "ec2switch",
                "stsenv_prompt",
                "ec2switch work",
                "stsenv_prompt",
                "stsenv now --format prompt",
                "ec2switch personal",
                "stsenv_prompt",
            ],
        );
        assert_eq!(steps[0].status, 0);
        assert_eq!(steps[0].stderr, "Possible accounts: personal work\n", "{shell}");
        assert_eq!(steps[0].stdout, "");
        assert_eq!(steps[1].stdout, "", "{shell}: nothing set, empty segment");
        assert_eq!(steps[3].stdout, "work:mfa 11h58m\n", "{shell}");
        assert_eq!(steps[4].stdout, steps[3].stdout, "{shell}: function and binary agree");
        assert_eq!(steps[6].stdout, "personal:keys\n", "{shell}");
    }
}

#[test]
fn the_prompt_function_starts_no_process() {
    // bash and zsh: with PATH emptied, stsenv_prompt still works, so it runs no command.
    let home = home();
    // nushell: its function over $env, the same way.
    for shell in shells().into_iter().filter(|s| *s != "fish") {
        // For each shell (29 s past a minute boundary, time left rounding to the nearest minute): its runs say 42m however long the shells
        // before took.
        home.cache_session(
            "work",
            Slot::Mfa,
            "PROMPTTOKENPROMPTTOKEN",
            OffsetDateTime::now_utc() + Duration::minutes(42) + Duration::seconds(29),
        );
        let steps = home
            .scenario_table(shell, &["ec2switch work", "PATH=/nonexistent stsenv_prompt", "stsenv_prompt"]);
        assert_eq!(steps[1].stdout, "work:mfa 42m\n", "{shell}: {}", steps[1].stderr);
        assert_eq!(steps[1].stderr, "", "{shell}");
    }
}

#[test]
fn help_and_version_through_the_functions_change_nothing() {
    let home = home();
    for shell in shells() {
        let steps = home.scenario_table(
            shell,
            &[
                "ec2switch personal",
                "ec2switch --help",
                "ec2mfa --help",
                "ec2role --help",
                "ec2unset --help",
                "ec2mfa -h",
                "ec2switch --version",
            ],
        );
        for (s, command) in steps[1..6].iter().zip(["switch", "mfa", "role", "unset", "mfa"]) {
            assert_eq!(s.status, 0, "{shell} `{}`: {}", s.step, s.stderr);
            assert_eq!(s.stdout, "", "{shell} `{}`", s.step);
            assert!(
                s.stderr.contains(&format!("Usage: stsenv {command} ")),
                "{shell} `{}`: {}",
                s.step,
                s.stderr
            );
            assert_eq!(s.env, steps[0].env, "{shell} `{}` changed the environment", s.step);
        }
        let s = &steps[6];
        assert_eq!((s.status, s.stdout.as_str()), (0, ""), "{shell}: {}", s.stderr);
        assert_eq!(s.stderr, format!("stsenv {}\n", env!("CARGO_PKG_VERSION")), "{shell}");
        assert_eq!(s.env, steps[0].env, "{shell}");
    }
}

#[test]
fn prompt_functions_keep_the_users_match_variables() {
    // Long-term keys, and expiries given in the step: nothing here depends on the clock, so
    // the hostile run gives the same output however late it runs.
    let home = home();
    for shell in shells().into_iter().filter(|s| *s == "bash" || *s == "zsh") {
        let (regex, show) = match shell {
            "bash" => ("[[ xyz =~ (y)(z) ]]", "echo \"${BASH_REMATCH[*]}\""),
            _ => ("[[ xyz =~ (y)(z) ]]", "echo \"$MATCH ${match[*]}\""),
        };
        let steps = home.scenario_table(
            shell,
            &[
                "ec2switch work",
                regex,
                "stsenv_prompt",
                "stsenv_prompt_update",
                "STSENV_EXPIRES=1x stsenv_prompt",
                "STSENV_EXPIRES=1000 stsenv_prompt",
                show,
            ],
        );
        assert_eq!(steps[2].stdout, "work:keys\n", "{shell}");
        assert_eq!(steps[4].stdout, "work:keys\n", "{shell}");
        assert_eq!(steps[5].stdout, "work:keys expired\n", "{shell}");
        assert_eq!(steps[6].stdout, "yz y z\n", "{shell}: the prompt functions changed the match variables");
    }
}

#[test]
fn with_xtrace_on_no_secret_is_traced() {
    // bash and zsh: set -x; fish: fish_trace (below).
    let home = home();
    let token = "SESSIONTOKENTRACEDNEVER";
    for shell in shells().into_iter().filter(|s| *s == "bash" || *s == "zsh") {
        // For each shell, 29 s past a minute boundary, time left rounding to the nearest minute, so the hostile run, moments later, says
        // the same time left.
        home.cache_session(
            "work",
            Slot::Mfa,
            token,
            OffsetDateTime::now_utc() + Duration::hours(2) + Duration::seconds(29),
        );
        let steps = home.scenario_table(
            shell,
            &["{ set -x; ec2switch personal; ec2switch work; set +x; }", "{ set -x; ec2unset; set +x; }"],
        );
        let s = &steps[0];
        assert_eq!(s.status, 0, "{shell}: {}", s.stderr);
        // The trace is there (the function calls), the values are not.
        assert!(s.stderr.contains("ec2switch personal"), "{shell} traced nothing: {}", s.stderr);
        for secret in [SECRET_KEY, token, "tmpsecret/"] {
            assert!(!s.stderr.contains(secret), "{shell} traced a secret: {}", s.stderr);
        }
        s.expect("AWS_SESSION_TOKEN", Some(token));
        assert!(steps[1].managed().is_empty(), "{shell}");
    }
    // fish traces to the shell's own stderr, whatever a block's redirection says.
    if shells().contains(&"fish") {
        let mut cmd = command("fish");
        cmd.args([
            "--no-config",
            "--private",
            "-c",
            "stsenv init fish | source; set fish_trace 1; ec2switch personal; ec2switch work; set -e fish_trace; \
             test \"$AWS_SESSION_TOKEN\" = SESSIONTOKENTRACEDNEVER",
        ]);
        home.apply(&mut cmd);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "fish: {stderr}");
        assert!(stderr.contains("ec2switch work"), "fish traced nothing: {stderr}");
        for secret in [SECRET_KEY, token, "tmpsecret/"] {
            assert!(!stderr.contains(secret), "fish traced a secret: {stderr}");
        }
    }
}

#[test]
fn nushell_refuses_a_value_it_cannot_hold() {
    let home = home();
    home.write_secret("bytes.access_key", ACCESS_KEY.as_bytes());
    home.write_secret("bytes.secret_key", b"secret\xff\xfe");
    for shell in shells() {
        let steps = home.scenario_table(shell, &["ec2switch personal", "ec2switch bytes"]);
        let s = &steps[1];
        if shell == "nu" {
            assert_eq!(s.status, 2, "{}", s.stderr);
            assert_eq!(s.stderr.lines().count(), 1, "one line: {}", s.stderr);
            assert!(s.stderr.contains("AWS_SECRET_ACCESS_KEY is not valid UTF-8"), "{}", s.stderr);
            assert_eq!(s.env, steps[0].env, "nu: the failed switch changed the environment");
        } else {
            assert_eq!(s.status, 0, "{shell}: {}", s.stderr);
            assert_eq!(
                s.env.get("AWS_SECRET_ACCESS_KEY").map(Vec::as_slice),
                Some(b"secret\xff\xfe".as_slice())
            );
        }
    }
}

#[test]
fn ec2clear_of_the_shells_own_session_unsets_it_too() {
    let home = home();
    for shell in shells() {
        let expires = OffsetDateTime::now_utc() + Duration::hours(3);
        home.cache_session("work", Slot::Mfa, "CLEARTOKENCLEARTOKEN", expires);
        let steps =
            home.scenario(shell, &["ec2switch work", "ec2clear personal", "ec2clear work", "stsenv_prompt"]);
        assert_eq!(steps[0].status, 0, "{shell}: {}", steps[0].stderr);
        steps[0].expect("STSENV_KIND", Some("mfa"));
        // Another account's sessions: the shell keeps its own.
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        steps[1].expect("STSENV_ACCOUNT", Some("work"));
        steps[1].expect("STSENV_KIND", Some("mfa"));
        // Its own: cleared from the cache and from the shell, so the prompt shows nothing.
        assert_eq!(steps[2].status, 0, "{shell}: {}", steps[2].stderr);
        assert_eq!(
            steps[2].stderr,
            "Removed 1 cached session of account work\nKeys unset: this shell held the cleared session of account work\n",
            "{shell}"
        );
        for var in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "STSENV_ACCOUNT",
            "STSENV_KIND",
        ] {
            steps[2].expect(var, None);
        }
        assert_eq!(steps[3].stdout, "", "{shell}: the prompt shows no cleared session");

        // `stsenv clear` run directly cannot change the shell: it says what stays, and how.
        home.cache_session("work", Slot::Mfa, "CLEARTOKENCLEARTOKEN", expires);
        let steps = home.scenario(shell, &["ec2switch work", "stsenv clear work", "ec2clear"]);
        assert_eq!(steps[1].status, 0, "{shell}: {}", steps[1].stderr);
        assert!(
            steps[1].stderr.ends_with(
                "This shell's variables (the session of account work) stay until ec2unset; the function ec2clear unsets them too\n"
            ),
            "{shell}: {}",
            steps[1].stderr
        );
        steps[1].expect("STSENV_ACCOUNT", Some("work"));
        // ec2clear of every account holds the shell's too, cached or not.
        assert_eq!(steps[2].status, 0, "{shell}: {}", steps[2].stderr);
        steps[2].expect("STSENV_ACCOUNT", None);
        steps[2].expect("AWS_ACCESS_KEY_ID", None);
    }
    // Long-term keys are no cached session: ec2clear leaves them.
    let steps = home.scenario("bash", &["ec2switch personal", "ec2clear"]);
    steps[1].expect("STSENV_KIND", Some("keys"));
    steps[1].expect("AWS_ACCESS_KEY_ID", Some(ACCESS_KEY));
}
