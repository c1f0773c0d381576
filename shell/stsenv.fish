# stsenv shell functions for fish. Load them with: stsenv init fish | source
# Every value reaches the shell through stsenv's own output, quoted for this shell; the
# functions only pass their arguments on and apply what stsenv prints on success.
# They call builtins as `builtin NAME`, so a function of the user's named source or eval changes
# nothing (fish reserves set and command).

# Run a stsenv command and apply its output; on failure the shell is left unchanged.
function __stsenv_eval
    # With fish_trace on, the code holding the secrets would be traced: trace none of it.
    set -l fish_trace
    # stsenv prints its code at once on success and nothing on failure, so the pipe is safe;
    # a pipe, unlike a command substitution, keeps the caller's stderr redirection.
    command stsenv $argv[1] --shell fish $argv[2..-1] | builtin source
    return $pipestatus[1]
end

# ec2switch [ACCOUNT]: list the accounts, or switch to one (its cached MFA session if valid).
function ec2switch
    __stsenv_eval switch $argv
end

# ec2mfa [ACCOUNT] [-c CODE]: escalate to an MFA session (a valid cached one is reused).
function ec2mfa
    __stsenv_eval mfa $argv
end

# ec2role ROLE: assume a role (chained from the MFA session when there is one).
function ec2role
    __stsenv_eval role --format shell $argv
end

# ec2now: show which keys are set, from the environment alone.
function ec2now
    command stsenv now $argv
end

# ec2unset: remove every variable stsenv set.
function ec2unset
    __stsenv_eval unset $argv
end

# ec2clear: remove cached sessions (stsenv clear); unset this shell's session if it was one.
function ec2clear
    __stsenv_eval clear $argv
end

# ec2console: a console sign-in link (stsenv console); it prints nothing for the shell.
function ec2console
    command stsenv console $argv
end

# stsenv_prompt: a prompt segment like "personal:mfa 11h58m" (fish asks the binary).
function stsenv_prompt
    command stsenv now --format prompt
end

# Account names complete from the key directory, role names from the accounts file.
complete -c ec2switch -f -n 'test (count (commandline -opc)) -eq 1' -a '(command stsenv list --names 2>/dev/null)'
complete -c ec2mfa -f -n 'test (count (commandline -opc)) -eq 1' -a '(command stsenv list --names 2>/dev/null)'
complete -c ec2role -f -n 'test (count (commandline -opc)) -eq 1' -a '(command stsenv list --roles 2>/dev/null)'

# stsenv <Tab>: the stsenv command's own completion (stsenv completions fish), loaded on the
# first Tab, so that loading these functions costs nothing more; a completion of stsenv the
# user set up already (stsenv.fish in a completions directory) is kept.
function __stsenv_complete_lazy
    complete --erase --command stsenv
    command stsenv completions fish 2>/dev/null | builtin source
    # This Tab's candidates, from the completion just loaded.
    complete --do-complete (commandline --current-process --cut-at-cursor)
end
if not complete --command stsenv | string match -q -r .
    complete --command stsenv --no-files --arguments '(__stsenv_complete_lazy)'
end
