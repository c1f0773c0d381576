# stsenv shell functions for nushell. Save them once with:
#   stsenv init nu | save -f ($nu.default-config-dir | path join stsenv.nu)
# and load them from config.nu with: source stsenv.nu
# Every value reaches the shell through stsenv's own output, as data (one JSON object of
# variables to set and names to unset); the functions only pass their arguments on and apply
# what stsenv prints on success.
# They are --wrapped, so every flag, --help too, reaches stsenv as typed.

# Run a stsenv command and apply its output; on failure the shell is left unchanged.
def --env --wrapped __stsenv_eval [command: string, ...args: string] {
    # On failure stdout is empty and nushell stops here with stsenv's exit code; the message
    # went to stderr.
    let out = (^stsenv $command --shell nu ...$args)
    if ($out | is-empty) { return }
    let change = ($out | from json)
    hide-env --ignore-errors ...$change.unset
    load-env $change.set
}

# ec2switch [ACCOUNT]: list the accounts, or switch to one (its cached MFA session if valid).
def --env --wrapped ec2switch [...args: string@__stsenv_complete_accounts] {
    __stsenv_eval switch ...$args
}

# ec2mfa [ACCOUNT] [-c CODE]: escalate to an MFA session (a valid cached one is reused).
def --env --wrapped ec2mfa [...args: string@__stsenv_complete_accounts] {
    __stsenv_eval mfa ...$args
}

# ec2role ROLE: assume a role (chained from the MFA session when there is one).
def --env --wrapped ec2role [...args: string@__stsenv_complete_roles] {
    __stsenv_eval role --format shell ...$args
}

# ec2now: show which keys are set, from the environment alone.
def --wrapped ec2now [...args: string] {
    ^stsenv now ...$args
}

# ec2unset: remove every variable stsenv set.
def --env --wrapped ec2unset [...args: string] {
    __stsenv_eval unset ...$args
}

# ec2clear: remove cached sessions (stsenv clear); unset this shell's session if it was one.
def --env --wrapped ec2clear [...args: string] {
    __stsenv_eval clear ...$args
}

# ec2console: a console sign-in link (stsenv console); it prints nothing for the shell.
def --wrapped ec2console [...args: string] {
    ^stsenv console ...$args
}

# stsenv_prompt: a prompt segment like "personal:mfa 11h58m", without starting a process.
def stsenv_prompt [] {
    let account = ($env.STSENV_ACCOUNT? | default "")
    if $account == "" or ($env.AWS_ACCESS_KEY_ID? | default "") == "" { return "" }
    mut kind = ($env.STSENV_KIND? | default "")
    if $kind == "" { $kind = "keys" }
    let role = ($env.STSENV_ROLE? | default "")
    if $kind == "role" and $role != "" { $kind = $"role/($role)" }
    let expires = ($env.STSENV_EXPIRES? | default "")
    if ($expires !~ '^[0-9]{1,15}$') { return $"($account):($kind)" }
    let left = ($expires | into int) - ((date now | into int) // 1_000_000_000)
    if $left <= 0 {
        $"($account):($kind) expired"
    } else {
        # Time left rounds to the nearest minute, as everywhere in stsenv (base/times.rs).
        let minutes = (($left + 30) // 60)
        if $minutes >= 60 {
            let rest = ($minutes mod 60 | fill --alignment right --character "0" --width 2)
            $"($account):($kind) ($minutes // 60)h($rest)m"
        } else {
            $"($account):($kind) ($minutes)m"
        }
    }
}

# Account names complete from the key directory, role names from the accounts file.
def __stsenv_complete [what: string, context: string] {
    # Only the first argument: the words typed so far are the function's name and a partial one.
    if ($context | split row --regex '\s+' | length) != 2 { return [] }
    ^stsenv list $what | complete | if $in.exit_code == 0 { $in.stdout | lines | where $it != "" } else { [] }
}
def __stsenv_complete_accounts [context: string] { __stsenv_complete "--names" $context }
def __stsenv_complete_roles [context: string] { __stsenv_complete "--roles" $context }
