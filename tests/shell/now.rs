//! `stsenv now`: text, prompt and JSON, from the environment alone.

use time::OffsetDateTime;

use crate::util::{Home, stdout};

fn now_with(vars: &[(&str, &str)], format: &str) -> String {
    let mut home = Home::new();
    for (k, v) in vars {
        home.set(k, *v);
    }
    // No key directory, accounts file or cache: `now` reads none of them.
    std::fs::remove_dir_all(home.creds()).unwrap();
    let out = home.stsenv(&["now", "--format", format]);
    assert!(out.status.success(), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    stdout(&out)
}

#[test]
fn text_prompt_and_json() {
    let expires = OffsetDateTime::now_utc().unix_timestamp() + 3 * 3600 + 7 * 60 + 29;
    let expires_s = expires.to_string();
    let mfa = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ("STSENV_ACCOUNT", "personal"),
        ("STSENV_KIND", "mfa"),
        ("STSENV_EXPIRES", expires_s.as_str()),
        ("AWS_REGION", "eu-west-1"),
    ];
    let at = stsenv::base::times::rfc3339(OffsetDateTime::from_unix_timestamp(expires).unwrap());
    assert_eq!(
        now_with(&mfa, "text"),
        format!(
            "Keys set for personal-MFA-STS AWS account\nRegion is eu-west-1\nExpires in 3h07m (at {at})\n"
        )
    );
    assert_eq!(now_with(&mfa, "prompt"), "personal:mfa 3h07m\n");
    let json: serde_json::Value = serde_json::from_str(&now_with(&mfa, "json")).unwrap();
    assert_eq!(json["account"], "personal");
    assert_eq!(json["kind"], "mfa");
    assert_eq!(json["region"], "eu-west-1");
    assert_eq!(json["expiration"], at.as_str());
    let left = json["seconds_left"].as_i64().unwrap();
    assert!((3 * 3600..=3 * 3600 + 7 * 60 + 29).contains(&left), "{left}");
    assert!(!now_with(&mfa, "json").contains("ASIAEXAMPLE"), "no key in the output");

    let role = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ("STSENV_ACCOUNT", "work"),
        ("STSENV_KIND", "role"),
        ("STSENV_ROLE", "Admin"),
        ("STSENV_EXPIRES", "1000"),
    ];
    assert_eq!(now_with(&role, "prompt"), "work:role/Admin expired\n");
    let text = now_with(&role, "text");
    assert!(text.starts_with("Keys set for work-role-Admin AWS account\nNo region set\nExpired "), "{text}");

    assert_eq!(now_with(&[], "text"), "No keys set\n");
    assert_eq!(now_with(&[], "prompt"), "");
    assert_eq!(
        now_with(&[("AWS_ACCESS_KEY_ID", "AKIAOTHER")], "text"),
        "Keys set, not by stsenv\nNo region set\n"
    );
    assert_eq!(now_with(&[("AWS_ACCESS_KEY_ID", "AKIAOTHER")], "prompt"), "");
    // Stale bookkeeping without keys is nothing set.
    assert_eq!(now_with(&[("STSENV_ACCOUNT", "work")], "text"), "No keys set\n");
}

#[test]
fn the_prompt_segment_is_one_rule_in_every_shell() {
    // The same cases through `stsenv now --format prompt`, bash's and zsh's stsenv_prompt (which
    // compute it themselves, starting no process) and fish's (which asks the binary).
    // Time left rounds to the nearest minute (half a minute up) in every shell: 29 s past a
    // minute boundary, every shell of the table, run one after the other on a loaded machine,
    // says 3h07m and 42m; 59m59s is 1h00m (the floor would say 59m) and 59 s is 1m, for the
    // 29 s the table may take.
    let now = OffsetDateTime::now_utc().unix_timestamp();
    let in_3h07 = (now + 3 * 3600 + 7 * 60 + 29).to_string();
    let in_42m = (now + 42 * 60 + 29).to_string();
    let in_59m59 = (now + 59 * 60 + 59).to_string();
    let in_59s = (now + 59).to_string();
    let key = ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE");
    let work = ("STSENV_ACCOUNT", "work");
    let mfa = ("STSENV_KIND", "mfa");
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![key, work, mfa, ("STSENV_EXPIRES", &in_3h07)], "work:mfa 3h07m\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", &in_42m)], "work:mfa 42m\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", &in_59m59)], "work:mfa 1h00m\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", &in_59s)], "work:mfa 1m\n"),
        (
            vec![key, work, ("STSENV_KIND", "role"), ("STSENV_ROLE", "Admin"), ("STSENV_EXPIRES", "1000")],
            "work:role/Admin expired\n",
        ),
        (vec![key, work, mfa, ("STSENV_EXPIRES", "0000000001000")], "work:mfa expired\n"),
        (vec![key, work, ("STSENV_KIND", "role"), ("STSENV_ROLE", "")], "work:role\n"),
        (vec![key, work, ("STSENV_KIND", "")], "work:keys\n"),
        (vec![key, work], "work:keys\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", "soon")], "work:mfa\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", "-5")], "work:mfa\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", "+99999999999")], "work:mfa\n"),
        (vec![key, work, mfa, ("STSENV_EXPIRES", "1000000000000000")], "work:mfa\n"),
        (vec![key, ("STSENV_ACCOUNT", ""), mfa], ""),
        (vec![("AWS_ACCESS_KEY_ID", ""), work, mfa], ""),
        (vec![work, mfa], ""),
        (vec![key], ""),
    ];
    for (vars, expected) in &cases {
        let mut home = Home::new();
        for (k, v) in vars {
            home.set(k, *v);
        }
        for shell in crate::util::shells() {
            let steps = home.scenario(shell, &["stsenv_prompt", "stsenv now --format prompt"]);
            assert_eq!(steps[0].stdout, *expected, "{shell} stsenv_prompt with {vars:?}");
            assert_eq!(steps[1].stdout, *expected, "stsenv now --format prompt with {vars:?}");
        }
    }
}

#[test]
fn names_from_the_environment_are_shown_escaped() {
    // STSENV_ACCOUNT and STSENV_ROLE can hold anything: text and prompt (written for a person,
    // on the terminal) show a control character escaped, never raw; JSON escapes it itself.
    let vars = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
        ("STSENV_ACCOUNT", "\u{1b}[31mwork"),
        ("STSENV_KIND", "role"),
        ("STSENV_ROLE", "Admin\u{1b}]0;owned\u{7}"),
        ("AWS_REGION", "eu-west-1\r"),
    ];
    let text = now_with(&vars, "text");
    assert_eq!(
        text,
        "Keys set for \\u{1b}[31mwork-role-Admin\\u{1b}]0;owned\\u{7} AWS account\nRegion is eu-west-1\\r\n"
    );
    assert_eq!(now_with(&vars, "prompt"), "\\u{1b}[31mwork:role/Admin\\u{1b}]0;owned\\u{7}\n");
    let json: serde_json::Value = serde_json::from_str(&now_with(&vars, "json")).unwrap();
    assert_eq!(json["account"], "\u{1b}[31mwork");
}
