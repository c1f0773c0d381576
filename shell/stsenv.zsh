# stsenv shell functions for zsh. Load them with: eval "$(stsenv init zsh)"
# Every value reaches the shell through stsenv's own output, quoted for this shell; the
# functions only pass their arguments on and apply what stsenv prints on success.
# They call builtins as `builtin NAME`, so an alias or function of the user's named export,
# unset, command or eval changes nothing, and they work under set -euo pipefail.
# Each runs under `emulate -L zsh`, so the user's options (KSH_ARRAYS, SH_WORD_SPLIT, ...) do not
# apply inside.
zmodload zsh/datetime 2>/dev/null

# Run a stsenv command and apply its output; on failure the shell is left unchanged.
__stsenv_eval() {
  emulate -L zsh
  # With set -x or set -v on, the code holding the secrets would be traced or echoed to stderr
  # (a log): neither (the options come back on return).
  builtin setopt no_xtrace no_verbose
  local __stsenv_command="$1" __stsenv_code
  shift
  __stsenv_code="$(builtin command stsenv "${__stsenv_command}" --shell zsh "$@")" || return
  builtin eval "${__stsenv_code}"
}

# ec2switch [ACCOUNT]: list the accounts, or switch to one (its cached MFA session if valid).
ec2switch() {
  emulate -L zsh
  __stsenv_eval switch "$@"
}

# ec2mfa [ACCOUNT] [-c CODE]: escalate to an MFA session (a valid cached one is reused).
ec2mfa() {
  emulate -L zsh
  __stsenv_eval mfa "$@"
}

# ec2role ROLE: assume a role (chained from the MFA session when there is one).
ec2role() {
  emulate -L zsh
  __stsenv_eval role --format shell "$@"
}

# ec2now: show which keys are set, from the environment alone.
ec2now() {
  emulate -L zsh
  builtin command stsenv now "$@"
}

# ec2unset: remove every variable stsenv set.
ec2unset() {
  emulate -L zsh
  __stsenv_eval unset "$@"
}

# ec2clear: remove cached sessions (stsenv clear); unset this shell's session if it was one.
ec2clear() {
  emulate -L zsh
  __stsenv_eval clear "$@"
}

# ec2console: a console sign-in link (stsenv console); it prints nothing for the shell.
ec2console() {
  emulate -L zsh
  builtin command stsenv console "$@"
}

# stsenv_prompt: a prompt segment like "personal:mfa 11h58m", without starting a process.
stsenv_prompt() {
  emulate -L zsh
  local STSENV_PROMPT
  stsenv_prompt_update
  [[ -z "${STSENV_PROMPT}" ]] || builtin printf '%s\n' "${STSENV_PROMPT}"
}

# stsenv_prompt_update: the same segment into the variable STSENV_PROMPT (empty when nothing is
# set), for a prompt that starts no process and no fork.
stsenv_prompt_update() {
  emulate -L zsh
  typeset -g STSENV_PROMPT=
  [[ -n "${STSENV_ACCOUNT-}" && -n "${AWS_ACCESS_KEY_ID-}" ]] || return 0
  local __stsenv_kind="${STSENV_KIND:-keys}" __stsenv_expires="${STSENV_EXPIRES-}" __stsenv_now __stsenv_left
  if [[ "${__stsenv_kind}" == role && -n "${STSENV_ROLE-}" ]]; then
    __stsenv_kind="role/${STSENV_ROLE}"
  fi
  STSENV_PROMPT="${STSENV_ACCOUNT}:${__stsenv_kind}"
  # A pattern, not =~, so that the user's MATCH and match are kept: 1 to 15 digits.
  if [[ -z "${__stsenv_expires}" || "${__stsenv_expires}" == *[!0-9]* || ${#__stsenv_expires} -gt 15 ]]; then
    return 0
  fi
  __stsenv_now="${EPOCHSECONDS-}"
  if [[ -z "${__stsenv_now}" ]]; then
    __stsenv_now="$(date +%s)"
  fi
  __stsenv_left=$((10#${__stsenv_expires} - __stsenv_now))
  if ((__stsenv_left <= 0)); then
    STSENV_PROMPT+=" expired"
  else
    # Time left rounds to the nearest minute, as everywhere in stsenv (base/times.rs).
    __stsenv_left=$(((__stsenv_left + 30) / 60))
    if ((__stsenv_left >= 60)); then
      builtin printf -v __stsenv_left '%dh%02dm' $((__stsenv_left / 60)) $((__stsenv_left % 60))
    else
      __stsenv_left+=m
    fi
    STSENV_PROMPT+=" ${__stsenv_left}"
  fi
}

# Account names complete from the key directory, role names from the accounts file.
__stsenv_complete() {
  emulate -L zsh
  local __stsenv_names __stsenv_name
  ((CURRENT == 2)) || return 0
  __stsenv_names="$(builtin command stsenv list "$1" 2>/dev/null)" || return 0
  while IFS= builtin read -r __stsenv_name; do
    if [[ -n "${__stsenv_name}" ]]; then
      compadd -- "${__stsenv_name}"
    fi
  done <<<"${__stsenv_names}"
}
__stsenv_complete_accounts() { __stsenv_complete --names; }
__stsenv_complete_roles() { __stsenv_complete --roles; }
if whence compdef >/dev/null 2>&1; then
  compdef __stsenv_complete_accounts ec2switch ec2mfa
  compdef __stsenv_complete_roles ec2role
fi

# stsenv <Tab>: the stsenv command's own completion (stsenv completions zsh), loaded on the
# first Tab, so that loading these functions costs nothing more; a completion of stsenv the
# user set up already (the _stsenv file in $fpath) is kept.
__stsenv_complete_lazy() {
  local __stsenv_code
  __stsenv_code="$(builtin command stsenv completions zsh 2>/dev/null)" || return
  builtin eval "${__stsenv_code}"
  # The script registered _stsenv for the next Tab; this one it completes now.
  _stsenv "$@"
}
if whence compdef >/dev/null 2>&1 && [[ -z "${_comps[stsenv]-}" ]]; then
  compdef __stsenv_complete_lazy stsenv
fi
