//! The command line: every clap type is in this file (completions and the man page are generated
//! from it); the fast parser for the lines a prompt and the SDKs run is apart.

pub(crate) mod fast;

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::shell::Shell;

/// The heading of the options every command shares, shown after the command's own.
pub const GLOBAL_OPTIONS: &str = "Global options";

#[derive(Debug, Parser)]
#[command(
    name = "stsenv",
    version,
    propagate_version = true,
    about = "Switch AWS accounts and escalate to MFA sessions in bash, zsh, fish and nushell",
    after_help = "Load the shell functions with: eval \"$(stsenv init bash)\" (or zsh), or: stsenv init fish | source; nushell: see stsenv init --help"
)]
pub struct Cli {
    /// The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json,
    /// /etc/default/aws-sts-helpers/accounts.json)
    #[arg(long, global = true, value_name = "PATH", help_heading = GLOBAL_OPTIONS)]
    pub config: Option<PathBuf>,

    /// The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)
    #[arg(long = "creds-dir", global = true, value_name = "DIR", help_heading = GLOBAL_OPTIONS)]
    pub creds_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the shell functions (ec2switch, ec2mfa, ec2role, ec2now, ec2unset, stsenv_prompt)
    Init(Init),
    /// Set an account's cached MFA session if valid, else its long-term keys (ec2switch)
    Switch(Switch),
    /// Escalate to an MFA session with GetSessionToken, cached (ec2mfa)
    Mfa(Mfa),
    /// Assume a role, chained from a valid MFA session when there is one (ec2role)
    Role(Role),
    /// Show which keys are set, from the environment alone (ec2now)
    Now(Now),
    /// Remove every variable stsenv sets (ec2unset)
    Unset(Unset),
    /// List the accounts, their keys and cached sessions
    List(List),
    /// Run a command with an account's MFA session (or role) in its environment
    Exec(Exec),
    /// Print the AWS credential_process JSON of an MFA session or role, escalating when needed
    CredentialProcess(CredentialProcess),
    /// Print starter IAM policies for MFA, filled in for an account and user
    Policy(Policy),
    /// List or enroll the account's MFA devices
    #[command(subcommand)]
    MfaDevice(MfaDevice),
    /// Replace the account's access key with a new one, then delete the old one
    RotateKeys(RotateKeys),
    /// Check the key files, the accounts file, the keys, the MFA device and the cache
    Doctor(Doctor),
    /// Print the completion script of the stsenv command
    Completions(Completions),
    /// Remove cached sessions: an account's (or one role's), or all
    Clear(Clear),
    /// Set up an account from its access key: key files, accounts entry, MFA device
    Add(Add),
    /// Move long-term keys from the shared credentials file (~/.aws/credentials) into stsenv
    Import(Import),
    /// Remove an account: its accounts entry, its key files and its cached sessions
    Remove(Remove),
    /// Open the AWS console signed in as a role (a sign-in link through AWS federation)
    Console(Console),
    /// Write a profile per account and role into ~/.aws/config, each running stsenv credential-process
    AwsConfig(AwsConfig),
    /// Print an account's MFA session (or a role) as a dotenv file or JSON, for docker --env-file and CI
    Export(Export),
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example: stsenv aws-config, then: aws --profile personal-admin s3 ls, or AWS_PROFILE=personal terraform plan. The profiles are [profile ACCOUNT] and [profile ACCOUNT-ROLE] for each key of roles, in a block of $AWS_CONFIG_FILE (else ~/.aws/config) between '# >>> stsenv aws-config' and '# <<< stsenv aws-config <<<'; run it again after changing the accounts file."
)]
pub struct AwsConfig {
    /// Print the block on stdout instead of writing it
    #[arg(long, conflicts_with = "remove")]
    pub print: bool,
    /// Take stsenv's block out of the config file
    #[arg(long)]
    pub remove: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// NAME=value lines, as docker run --env-file and CI systems read them (no quotes)
    Env,
    /// The credential_process JSON: {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    Json,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example: (umask 077; stsenv export personal --role admin > admin.env) && docker run --env-file admin.env amazon/aws-cli sts get-caller-identity. The file holds the secret key: delete it when done."
)]
pub struct Export {
    /// The account whose MFA session (or role) to print; escalates first when none is valid
    pub account: String,
    /// Print this role's credentials instead (a role ARN, a key of `roles`, or a role name)
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    #[arg(long, value_enum, default_value = "env")]
    pub format: ExportFormat,
    /// The MFA code when one is needed (default: $STSENV_TOKEN_CODE, mfa_process, NAME.totp,
    /// else asked on the terminal); `skip` for a session without MFA
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// Session length in seconds when new credentials are needed (MFA session 900-129600, role
    /// 900-43200)
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// Print even when stdout is a terminal (the secret key is then on the screen)
    #[arg(long)]
    pub force_terminal: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example: stsenv add personal, then type the access key ID and the secret access key (not shown). Without a terminal on stdin, the two are read from stdin, one a line."
)]
pub struct Add {
    /// The account's name, as you will type it: ec2switch NAME
    pub account: String,
    /// Take the keys from this command instead of key files: it prints credential_process JSON
    /// (split on spaces, run without a shell), like 'op read op://Private/aws/credential_process'
    #[arg(long, value_name = "CMD")]
    pub key_process: Option<String>,
    /// Replace an account that exists already
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct Import {
    /// The profiles to import (default: every profile with long-term keys); aws-mfa's
    /// [NAME-long-term] becomes account NAME
    pub profiles: Vec<String>,
    /// Remove the imported sections from the credentials file afterwards
    #[arg(long)]
    pub remove: bool,
    /// Replace accounts that exist already
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example: stsenv remove old-job. It lists the files first and asks on the terminal; --yes removes without asking (needed without a terminal). The MFA device and the access key stay in AWS: it says how to delete them."
)]
pub struct Remove {
    /// The account to remove
    pub account: String,
    /// Remove without asking (needed without a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyKind {
    /// Users manage their own virtual MFA device and access keys (attach to the user or group)
    SelfServiceMfa,
    /// Deny everything but that self-service and GetSessionToken without MFA (user or group)
    DenyWithoutMfa,
    /// A role trust policy: the account's principals may assume the role only with MFA
    RoleTrustMfa,
    /// All three, as one JSON object keyed by kind
    All,
}

#[derive(Debug, Args)]
pub struct Policy {
    /// Which policy
    #[arg(value_enum, default_value = "all")]
    pub kind: PolicyKind,
    /// The account of the accounts file (default: $STSENV_ACCOUNT)
    #[arg(short = 'a', long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// A 12-digit account ID, instead of an account of the accounts file
    #[arg(long, value_name = "ID", conflicts_with = "account")]
    pub account_id: Option<String>,
    /// With --account-id: the partition of the account (aws, aws-cn, aws-us-gov; default aws)
    #[arg(long, value_name = "PARTITION", requires = "account_id", value_parser = ["aws", "aws-cn", "aws-us-gov"])]
    pub partition: Option<String>,
    /// The IAM user (default: the account's user, NAME.user, $USER); '${aws:username}' makes a
    /// policy for a group
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// role-trust-mfa: also require the MFA code to be at most this old (aws:MultiFactorAuthAge)
    #[arg(long, value_name = "SECONDS")]
    pub max_mfa_age: Option<u32>,
    /// deny-without-mfa: also allow sts:AssumeRole with the long-term keys (for roles longer than
    /// 1 h, assumed with an MFA code); every role they may assume must then require MFA in its
    /// trust policy (role-trust-mfa)
    #[arg(long)]
    pub allow_assume_role_with_mfa: bool,
}

#[derive(Debug, Subcommand)]
pub enum MfaDevice {
    /// List the MFA devices of the keys' IAM user (ListMFADevices), and say which one stsenv uses
    List(MfaDeviceList),
    /// Create a virtual MFA device, show its QR code, enable it with two codes, and record it
    Enroll(MfaDeviceEnroll),
    /// Resynchronise the account's MFA device with two consecutive codes (ResyncMFADevice)
    Resync(MfaDeviceResync),
}

#[derive(Debug, Args)]
pub struct MfaDeviceResync {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
    /// The first code the device shows (default: asked on the terminal)
    #[arg(long, value_name = "CODE", requires = "code2")]
    pub code1: Option<String>,
    /// The next code the device shows, 30 seconds later
    #[arg(long, value_name = "CODE", requires = "code1")]
    pub code2: Option<String>,
}

#[derive(Debug, Args)]
pub struct MfaDeviceList {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
}

#[derive(Debug, Args)]
pub struct MfaDeviceEnroll {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
    /// The device's name (default: the IAM user name)
    #[arg(long, value_name = "DEVICE")]
    pub name: Option<String>,
    /// For a service user: keep the seed in NAME.totp (0600) and make the two codes from it
    #[arg(long, conflicts_with_all = ["code1", "code2"])]
    pub store_seed: bool,
    /// The first code the app shows (default: asked on the terminal)
    #[arg(long, value_name = "CODE", requires = "code2")]
    pub code1: Option<String>,
    /// The next code the app shows, 30 seconds later
    #[arg(long, value_name = "CODE", requires = "code1")]
    pub code2: Option<String>,
}

#[derive(Debug, Args)]
pub struct RotateKeys {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
}

#[derive(Debug, Args)]
pub struct Doctor {
    /// The account to check (default: $STSENV_ACCOUNT, else every account)
    pub account: Option<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "nushell: save the module once, then source it from config.nu:\n  stsenv init nu | save -f ($nu.default-config-dir | path join stsenv.nu)\n  source stsenv.nu"
)]
pub struct Init {
    /// The shell to print the functions for (without one: the shells and each one's line)
    #[arg(value_enum)]
    pub shell: Option<Shell>,
}

/// The shell whose code to print (the wrappers pass it).
#[derive(Debug, Args)]
pub struct ShellArg {
    /// The shell that evaluates the output
    #[arg(long, value_enum, default_value = "bash")]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct Switch {
    /// The account to switch to; without it, list the accounts
    pub account: Option<String>,
    #[command(flatten)]
    pub shell: ShellArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NowFormat {
    /// Sentences for a person
    Text,
    /// A short segment for a prompt, like `personal:mfa 11h58m` (empty when nothing is set)
    Prompt,
    /// A JSON object for scripts
    Json,
}

#[derive(Debug, Args)]
pub struct Now {
    #[arg(long, value_enum, default_value = "text")]
    pub format: NowFormat,
    // `now` reads only the environment: the global file options are not in its help. (Its own
    // hidden ones keep them from being added; clap shares the values, which `now` ignores.)
    #[arg(long, hide = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    #[arg(long = "creds-dir", hide = true, value_name = "DIR")]
    pub creds_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct Unset {
    #[command(flatten)]
    pub shell: ShellArg,
}

#[derive(Debug, Args)]
pub struct List {
    /// One account name a line (for completion)
    #[arg(long)]
    pub names: bool,
    /// The role keys (`roles` in the accounts file) of ACCOUNT, one a line (for completion);
    /// default: $STSENV_ACCOUNT
    #[arg(long, value_name = "ACCOUNT", num_args = 0..=1, default_missing_value = "", conflicts_with = "names")]
    pub roles: Option<String>,
}

#[derive(Debug, Args)]
pub struct Completions {
    /// The shell to print the completion script for
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct Mfa {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
    /// The MFA code (default: $STSENV_TOKEN_CODE, else asked on the terminal); `skip` for a
    /// session without MFA
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// Ignore a valid cached session and get a new one
    #[arg(long)]
    pub force: bool,
    /// Session length, 900-129600 (default: the account's duration_seconds, else 43200)
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// Also rotate the account's access key (as stsenv rotate-keys), like awsmfa --rotate-identity-keys
    #[arg(long)]
    pub rotate_keys: bool,
    #[command(flatten)]
    pub profile: WriteProfile,
    #[command(flatten)]
    pub shell: ShellArg,
}

/// Also writing the credentials as a profile of the shared credentials file.
#[derive(Debug, Args)]
pub struct WriteProfile {
    /// Also write the credentials as section [PROFILE] of $AWS_SHARED_CREDENTIALS_FILE (else
    /// ~/.aws/credentials), for tools run with --profile PROFILE
    #[arg(long = "write-profile", value_name = "PROFILE")]
    pub write_profile: Option<String>,
    /// With --write-profile: replace the section even though stsenv did not write it (it may
    /// hold long-term keys)
    #[arg(long = "force-profile", requires = "write_profile")]
    pub force_profile: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleFormat {
    /// {"access_key", "secret_key", "session_token", "expiration"}, like generate-sts-role-token
    Json,
    /// Shell code for eval (what ec2role uses)
    Shell,
}

#[derive(Debug, Args)]
pub struct Role {
    /// A role ARN, a key of the account's `roles`, or a role name (<arn prefix>role/NAME);
    /// without it, list the account's roles
    pub role: Option<String>,
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    #[arg(short = 'a', long, value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// The MFA code when no MFA session is cached (default: $STSENV_TOKEN_CODE, else asked);
    /// `skip` for none
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// Session length, 900-43200 (default: the role's duration_seconds, else 3600); over 3600
    /// the role is assumed with the long-term keys and an MFA code, as AWS caps chained roles
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// The role session name (default: stsenv-<user>)
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// The external ID the role's trust policy asks for
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// The source identity to set on the role session (sts:SetSourceIdentity)
    #[arg(long, value_name = "ID")]
    pub source_identity: Option<String>,
    /// A session tag KEY=VALUE (repeat for more; added to the role's tags)
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub tags: Vec<String>,
    /// Make a session tag transitive: it stays on roles assumed from this one (repeat for more)
    #[arg(long = "transitive-tag", value_name = "KEY")]
    pub transitive_tags: Vec<String>,
    #[command(flatten)]
    pub policies: SessionPolicies,
    /// Ignore valid cached role credentials and assume the role again
    #[arg(long)]
    pub force: bool,
    #[arg(long, value_enum, default_value = "json")]
    pub format: RoleFormat,
    #[command(flatten)]
    pub profile: WriteProfile,
    #[command(flatten)]
    pub shell: ShellArg,
}

/// Session policies: the session may do only what both they and the role (or user) allow.
#[derive(Debug, Args)]
pub struct SessionPolicies {
    /// A session policy: a JSON policy document, or @FILE (from the current directory, or ~/);
    /// replaces the role's `policy`
    #[arg(long, value_name = "JSON|@FILE")]
    pub policy: Option<String>,
    /// A managed policy as a session policy, by ARN (repeat for up to 10; replaces the role's
    /// `policy_arns`)
    #[arg(long = "policy-arn", value_name = "ARN")]
    pub policy_arns: Vec<String>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "In ~/.aws/config: credential_process = stsenv credential-process personal --role admin"
)]
pub struct CredentialProcess {
    /// The account whose MFA session to print (got first when none is valid)
    pub account: String,
    /// Print the credentials of this role instead (a role ARN, a key of `roles`, or a role name),
    /// assumed from the MFA session when none are cached
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// Renew credentials with less than this left: 15m, 900s, 1h
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_window)]
    pub window: time::Duration,
}

/// `--window`'s default (the value of `default_value`, which a test checks).
pub(crate) const DEFAULT_WINDOW: time::Duration = time::Duration::minutes(15);

/// `--window`: a duration like 15m, 900s or 1h, of at least a minute.
fn parse_window(text: &str) -> Result<time::Duration, String> {
    match crate::base::times::parse_duration(text) {
        Some(d) if d >= time::Duration::MINUTE => Ok(d),
        Some(_) => Err("the window must be at least 1m".to_owned()),
        None => Err("give a duration like 15m, 900s or 1h".to_owned()),
    }
}

#[derive(Debug, Args)]
#[command(after_help = "Example: stsenv clear personal --role admin")]
pub struct Clear {
    /// The account whose cached sessions to remove (default: every account's)
    pub account: Option<String>,
    /// Remove only the cached credentials of this role of the account
    #[arg(long, value_name = "ROLE", requires = "account")]
    pub role: Option<String>,
    /// Print code for this shell that unsets its variables when its own session was cleared
    /// (the function ec2clear passes it)
    #[arg(long, value_enum)]
    pub shell: Option<Shell>,
}

#[derive(Debug, Args)]
#[command(after_help = "Example: stsenv exec personal --role admin -- aws s3 ls")]
pub struct Exec {
    /// The account whose MFA session (or role) to use; escalates first when none is valid
    pub account: String,
    /// Assume this role (a role ARN, a key of `roles`, or a role name) and use its credentials
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The MFA code when one is needed (default: $STSENV_TOKEN_CODE, mfa_process, NAME.totp,
    /// else asked on the terminal); `skip` for a session without MFA
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// Session length in seconds when a new one is needed (MFA session 900-129600, role 900-43200)
    #[arg(long, value_name = "SECONDS")]
    pub duration: Option<u32>,
    /// The command to run, then its arguments (after --)
    #[arg(value_name = "COMMAND", required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    pub command: Vec<OsString>,
    /// Give the command a local credential server (AWS_CONTAINER_CREDENTIALS_FULL_URI) that
    /// renews the credentials, instead of credentials in its environment
    #[arg(long)]
    pub server: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example: stsenv console personal --role admin --service ec2 --region eu-west-1\nWithout a role (and outside a shell in one), or with --policy and no --role: the IAM user signs in as a federated user (GetFederationToken with the long-term keys, no MFA), with the user's permissions within the session policy, for at most 12 hours"
)]
pub struct Console {
    /// The account (default: $STSENV_ACCOUNT, the one switched to)
    pub account: Option<String>,
    /// The role to sign in as (default: the role the shell is in, after ec2role; else the IAM
    /// user itself, federated)
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    #[command(flatten)]
    pub policies: SessionPolicies,
    /// The MFA code, if assuming the role needs one (default: $STSENV_TOKEN_CODE, mfa_process,
    /// NAME.totp, else asked on the terminal)
    #[arg(short = 'c', long = "code", value_name = "CODE")]
    pub code: Option<String>,
    /// The console's region (default: the account's region, else yours, else us-east-1)
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// The console page of a service, like ec2, s3, iam, cloudwatch (default: the home page)
    #[arg(long, value_name = "SERVICE", conflicts_with = "destination")]
    pub service: Option<String>,
    /// Any console URL to land on instead
    #[arg(long, value_name = "URL")]
    pub destination: Option<String>,
    /// Print the sign-in link on stdout instead of opening a browser (it is a secret for 15 minutes)
    #[arg(long)]
    pub print: bool,
}
