# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_stsenv_global_optspecs
    string join \n config= creds-dir= h/help V/version
end

function __fish_stsenv_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_stsenv_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_stsenv_using_subcommand
    set -l cmd (__fish_stsenv_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c stsenv -n "__fish_stsenv_needs_command" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_needs_command" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_needs_command" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_needs_command" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "init" -d 'Print the shell functions (ec2switch, ec2mfa, ec2role, ec2now, ec2unset, stsenv_prompt)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "switch" -d 'Set an account\'s cached MFA session if valid, else its long-term keys (ec2switch)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "mfa" -d 'Escalate to an MFA session with GetSessionToken, cached (ec2mfa)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "role" -d 'Assume a role, chained from a valid MFA session when there is one (ec2role)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "now" -d 'Show which keys are set, from the environment alone (ec2now)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "unset" -d 'Remove every variable stsenv sets (ec2unset)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "list" -d 'List the accounts, their keys and cached sessions'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "exec" -d 'Run a command with an account\'s MFA session (or role) in its environment'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "credential-process" -d 'Print the AWS credential_process JSON of an MFA session or role, escalating when needed'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "policy" -d 'Print starter IAM policies for MFA, filled in for an account and user'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "mfa-device" -d 'List or enroll the account\'s MFA devices'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "rotate-keys" -d 'Replace the account\'s access key with a new one, then delete the old one'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "doctor" -d 'Check the key files, the accounts file, the keys, the MFA device and the cache'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "completions" -d 'Print the completion script of the stsenv command'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "clear" -d 'Remove cached sessions: an account\'s (or one role\'s), or all'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "add" -d 'Set up an account from its access key: key files, accounts entry, MFA device'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "import" -d 'Move long-term keys from the shared credentials file (~/.aws/credentials) into stsenv'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "remove" -d 'Remove an account: its accounts entry, its key files and its cached sessions'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "console" -d 'Open the AWS console signed in as a role (a sign-in link through AWS federation)'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "aws-config" -d 'Write a profile per account and role into ~/.aws/config, each running stsenv credential-process'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "export" -d 'Print an account\'s MFA session (or a role) as a dotenv file or JSON, for docker --env-file and CI'
complete -c stsenv -n "__fish_stsenv_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stsenv -n "__fish_stsenv_using_subcommand init" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand init" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand init" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand init" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand switch" -l shell -d 'The shell that evaluates the output' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand switch" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand switch" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand switch" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand switch" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -s c -l code -d 'The MFA code (default: $STSENV_TOKEN_CODE, else asked on the terminal); `skip` for a session without MFA' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l duration -d 'Session length, 900-129600 (default: the account\'s duration_seconds, else 43200)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l write-profile -d 'Also write the credentials as section [PROFILE] of $AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials), for tools run with --profile PROFILE' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l shell -d 'The shell that evaluates the output' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l force -d 'Ignore a valid cached session and get a new one'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l rotate-keys -d 'Also rotate the account\'s access key (as stsenv rotate-keys), like awsmfa --rotate-identity-keys'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -l force-profile -d 'With --write-profile: replace the section even though stsenv did not write it (it may hold long-term keys)'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -s a -l account -d 'The account (default: $STSENV_ACCOUNT, the one switched to)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -s c -l code -d 'The MFA code when no MFA session is cached (default: $STSENV_TOKEN_CODE, else asked); `skip` for none' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l duration -d 'Session length, 900-43200 (default: the role\'s duration_seconds, else 3600); over 3600 the role is assumed with the long-term keys and an MFA code, as AWS caps chained roles' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l session-name -d 'The role session name (default: stsenv-<user>)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l external-id -d 'The external ID the role\'s trust policy asks for' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l source-identity -d 'The source identity to set on the role session (sts:SetSourceIdentity)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l tag -d 'A session tag KEY=VALUE (repeat for more; added to the role\'s tags)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l transitive-tag -d 'Make a session tag transitive: it stays on roles assumed from this one (repeat for more)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l policy -d 'A session policy: a JSON policy document, or @FILE (from the current directory, or ~/); replaces the role\'s `policy`' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l policy-arn -d 'A managed policy as a session policy, by ARN (repeat for up to 10; replaces the role\'s `policy_arns`)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l format -r -f -a "json\t'{"access_key", "secret_key", "session_token", "expiration"}, like generate-sts-role-token'
shell\t'Shell code for eval (what ec2role uses)'"
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l write-profile -d 'Also write the credentials as section [PROFILE] of $AWS_SHARED_CREDENTIALS_FILE (else ~/.aws/credentials), for tools run with --profile PROFILE' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l shell -d 'The shell that evaluates the output' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l force -d 'Ignore valid cached role credentials and assume the role again'
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -l force-profile -d 'With --write-profile: replace the section even though stsenv did not write it (it may hold long-term keys)'
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stsenv -n "__fish_stsenv_using_subcommand role" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand now" -l format -r -f -a "text\t'Sentences for a person'
prompt\t'A short segment for a prompt, like `personal:mfa 11h58m` (empty when nothing is set)'
json\t'A JSON object for scripts'"
complete -c stsenv -n "__fish_stsenv_using_subcommand now" -l config -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand now" -l creds-dir -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand now" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stsenv -n "__fish_stsenv_using_subcommand now" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand unset" -l shell -d 'The shell that evaluates the output' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand unset" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand unset" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand unset" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand unset" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -l roles -d 'The role keys (`roles` in the accounts file) of ACCOUNT, one a line (for completion); default: $STSENV_ACCOUNT' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -l names -d 'One account name a line (for completion)'
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand list" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -l role -d 'Assume this role (a role ARN, a key of `roles`, or a role name) and use its credentials' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -s c -l code -d 'The MFA code when one is needed (default: $STSENV_TOKEN_CODE, mfa_process, NAME.totp, else asked on the terminal); `skip` for a session without MFA' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -l duration -d 'Session length in seconds when a new one is needed (MFA session 900-129600, role 900-43200)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -l server -d 'Give the command a local credential server (AWS_CONTAINER_CREDENTIALS_FULL_URI) that renews the credentials, instead of credentials in its environment'
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand exec" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -l role -d 'Print the credentials of this role instead (a role ARN, a key of `roles`, or a role name), assumed from the MFA session when none are cached' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -l window -d 'Renew credentials with less than this left: 15m, 900s, 1h' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand credential-process" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -s a -l account -d 'The account of the accounts file (default: $STSENV_ACCOUNT)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l account-id -d 'A 12-digit account ID, instead of an account of the accounts file' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l partition -d 'With --account-id: the partition of the account (aws, aws-cn, aws-us-gov; default aws)' -r -f -a "aws\t''
aws-cn\t''
aws-us-gov\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l user -d 'The IAM user (default: the account\'s user, NAME.user, $USER); \'${aws:username}\' makes a policy for a group' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l max-mfa-age -d 'role-trust-mfa: also require the MFA code to be at most this old (aws:MultiFactorAuthAge)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -l allow-assume-role-with-mfa -d 'deny-without-mfa: also allow sts:AssumeRole with the long-term keys (for roles longer than 1 h, assumed with an MFA code); every role they may assume must then require MFA in its trust policy (role-trust-mfa)'
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stsenv -n "__fish_stsenv_using_subcommand policy" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -f -a "list" -d 'List the MFA devices of the keys\' IAM user (ListMFADevices), and say which one stsenv uses'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -f -a "enroll" -d 'Create a virtual MFA device, show its QR code, enable it with two codes, and record it'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -f -a "resync" -d 'Resynchronise the account\'s MFA device with two consecutive codes (ResyncMFADevice)'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and not __fish_seen_subcommand_from list enroll resync help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from list" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from list" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l name -d 'The device\'s name (default: the IAM user name)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l code1 -d 'The first code the app shows (default: asked on the terminal)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l code2 -d 'The next code the app shows, 30 seconds later' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -l store-seed -d 'For a service user: keep the seed in NAME.totp (0600) and make the two codes from it'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from enroll" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -l code1 -d 'The first code the device shows (default: asked on the terminal)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -l code2 -d 'The next code the device shows, 30 seconds later' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from resync" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the MFA devices of the keys\' IAM user (ListMFADevices), and say which one stsenv uses'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from help" -f -a "enroll" -d 'Create a virtual MFA device, show its QR code, enable it with two codes, and record it'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from help" -f -a "resync" -d 'Resynchronise the account\'s MFA device with two consecutive codes (ResyncMFADevice)'
complete -c stsenv -n "__fish_stsenv_using_subcommand mfa-device; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stsenv -n "__fish_stsenv_using_subcommand rotate-keys" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand rotate-keys" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand rotate-keys" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand rotate-keys" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand doctor" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand doctor" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand completions" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand completions" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand completions" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand completions" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -l role -d 'Remove only the cached credentials of this role of the account' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -l shell -d 'Print code for this shell that unsets its variables when its own session was cleared (the function ec2clear passes it)' -r -f -a "bash\t''
zsh\t''
fish\t''
nu\t''"
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand clear" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -l key-process -d 'Take the keys from this command instead of key files: it prints credential_process JSON (split on spaces, run without a shell), like \'op read op://Private/aws/credential_process\'' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -l force -d 'Replace an account that exists already'
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand add" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -l remove -d 'Remove the imported sections from the credentials file afterwards'
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -l force -d 'Replace accounts that exist already'
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand import" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand remove" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand remove" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand remove" -s y -l yes -d 'Remove without asking (needed without a terminal)'
complete -c stsenv -n "__fish_stsenv_using_subcommand remove" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand remove" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l role -d 'The role to sign in as (default: the role the shell is in, after ec2role; else the IAM user itself, federated)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l policy -d 'A session policy: a JSON policy document, or @FILE (from the current directory, or ~/); replaces the role\'s `policy`' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l policy-arn -d 'A managed policy as a session policy, by ARN (repeat for up to 10; replaces the role\'s `policy_arns`)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -s c -l code -d 'The MFA code, if assuming the role needs one (default: $STSENV_TOKEN_CODE, mfa_process, NAME.totp, else asked on the terminal)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l region -d 'The console\'s region (default: the account\'s region, else yours, else us-east-1)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l service -d 'The console page of a service, like ec2, s3, iam, cloudwatch (default: the home page)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l destination -d 'Any console URL to land on instead' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -l print -d 'Print the sign-in link on stdout instead of opening a browser (it is a secret for 15 minutes)'
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand console" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -l print -d 'Print the block on stdout instead of writing it'
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -l remove -d 'Take stsenv\'s block out of the config file'
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -s h -l help -d 'Print help'
complete -c stsenv -n "__fish_stsenv_using_subcommand aws-config" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l role -d 'Print this role\'s credentials instead (a role ARN, a key of `roles`, or a role name)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l format -r -f -a "env\t'NAME=value lines, as docker run --env-file and CI systems read them (no quotes)'
json\t'The credential_process JSON: {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}'"
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -s c -l code -d 'The MFA code when one is needed (default: $STSENV_TOKEN_CODE, mfa_process, NAME.totp, else asked on the terminal); `skip` for a session without MFA' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l duration -d 'Session length in seconds when new credentials are needed (MFA session 900-129600, role 900-43200)' -r
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l config -d 'The accounts file (default: $STSENV_CONFIG, ~/.config/stsenv/accounts.json, /etc/default/aws-sts-helpers/accounts.json)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l creds-dir -d 'The key directory with NAME.access_key and NAME.secret_key (default: $STSENV_CREDS_DIR, ~/aws-creds)' -r -F
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -l force-terminal -d 'Print even when stdout is a terminal (the secret key is then on the screen)'
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c stsenv -n "__fish_stsenv_using_subcommand export" -s V -l version -d 'Print version'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "init" -d 'Print the shell functions (ec2switch, ec2mfa, ec2role, ec2now, ec2unset, stsenv_prompt)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "switch" -d 'Set an account\'s cached MFA session if valid, else its long-term keys (ec2switch)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "mfa" -d 'Escalate to an MFA session with GetSessionToken, cached (ec2mfa)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "role" -d 'Assume a role, chained from a valid MFA session when there is one (ec2role)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "now" -d 'Show which keys are set, from the environment alone (ec2now)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "unset" -d 'Remove every variable stsenv sets (ec2unset)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "list" -d 'List the accounts, their keys and cached sessions'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "exec" -d 'Run a command with an account\'s MFA session (or role) in its environment'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "credential-process" -d 'Print the AWS credential_process JSON of an MFA session or role, escalating when needed'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "policy" -d 'Print starter IAM policies for MFA, filled in for an account and user'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "mfa-device" -d 'List or enroll the account\'s MFA devices'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "rotate-keys" -d 'Replace the account\'s access key with a new one, then delete the old one'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "doctor" -d 'Check the key files, the accounts file, the keys, the MFA device and the cache'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "completions" -d 'Print the completion script of the stsenv command'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "clear" -d 'Remove cached sessions: an account\'s (or one role\'s), or all'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "add" -d 'Set up an account from its access key: key files, accounts entry, MFA device'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "import" -d 'Move long-term keys from the shared credentials file (~/.aws/credentials) into stsenv'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "remove" -d 'Remove an account: its accounts entry, its key files and its cached sessions'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "console" -d 'Open the AWS console signed in as a role (a sign-in link through AWS federation)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "aws-config" -d 'Write a profile per account and role into ~/.aws/config, each running stsenv credential-process'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "export" -d 'Print an account\'s MFA session (or a role) as a dotenv file or JSON, for docker --env-file and CI'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and not __fish_seen_subcommand_from init switch mfa role now unset list exec credential-process policy mfa-device rotate-keys doctor completions clear add import remove console aws-config export help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and __fish_seen_subcommand_from mfa-device" -f -a "list" -d 'List the MFA devices of the keys\' IAM user (ListMFADevices), and say which one stsenv uses'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and __fish_seen_subcommand_from mfa-device" -f -a "enroll" -d 'Create a virtual MFA device, show its QR code, enable it with two codes, and record it'
complete -c stsenv -n "__fish_stsenv_using_subcommand help; and __fish_seen_subcommand_from mfa-device" -f -a "resync" -d 'Resynchronise the account\'s MFA device with two consecutive codes (ResyncMFADevice)'

# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
function __fish_stsenv_names
    set -l words (commandline -opc)
    set -e words[1]
    set -l sub ''
    set -l account ''
    set -l value_of ''
    set -l positionals 0
    set -l globals
    for word in $words
        if test -n "$value_of"
            switch $value_of
                case account
                    set account $word
                case global
                    set -a globals (string replace -r -- '^~' $HOME $word)
            end
            set value_of ''
            continue
        end
        switch "$sub:$word"
            case '*:--config' '*:--creds-dir'
                set value_of global
                set -a globals $word
            case 'role:-a' 'role:--account'
                set value_of account
            case 'switch:--shell' 'mfa:-c' 'mfa:--code' 'mfa:--duration' 'mfa:--write-profile' 'mfa:--shell' 'role:-c' 'role:--code' 'role:--duration' 'role:--session-name' 'role:--external-id' 'role:--source-identity' 'role:--tag' 'role:--transitive-tag' 'role:--policy' 'role:--policy-arn' 'role:--format' 'role:--write-profile' 'role:--shell'
                set value_of value
            case '*:-*'
            case ':*'
                set sub $word
            case '*'
                set positionals (math $positionals + 1)
        end
    end
    if test "$value_of" = account
        command stsenv $globals list --names 2>/dev/null
    else if test -z "$value_of"; and test $positionals -eq 0; and not string match -q -- '-*' (commandline -ct)
        switch $sub
            case switch mfa
                command stsenv $globals list --names 2>/dev/null
            case role
                command stsenv $globals list --roles "$account" 2>/dev/null
        end
    end
end

complete -c stsenv -n '__fish_stsenv_names | string length -q' -f -a '(__fish_stsenv_names)'
