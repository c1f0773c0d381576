# shellcheck shell=bash
# stsenv shell functions for bash. Load them with: eval "$(stsenv init bash)"
# Every value reaches the shell through stsenv's own output, quoted for this shell; the
# functions only pass their arguments on and apply what stsenv prints on success.
# They call builtins as `builtin NAME`, so an alias or function of the user's named export,
# unset, command or eval changes nothing, and they work under set -euo pipefail.

# Run a stsenv command and apply its output; on failure the shell is left unchanged.
__stsenv_eval() {
  # With set -x or set -v on, the code holding the secrets would be traced or echoed to
  # stderr (a log): neither, and each option comes back as it was.
  if { [[ $- == *[xv]* ]]; } 2>/dev/null; then
    { local __stsenv_options=$-; builtin set +xv; } 2>/dev/null
    local __stsenv_status=0
    __stsenv_eval "$@" || __stsenv_status=$?
    if [[ ${__stsenv_options} == *v* ]]; then builtin set -v; fi
    if [[ ${__stsenv_options} == *x* ]]; then builtin set -x; fi
    return "${__stsenv_status}"
  fi
  local __stsenv_command="$1" __stsenv_code
  shift
  __stsenv_code="$(builtin command stsenv "${__stsenv_command}" --shell bash "$@")" || return
  builtin eval "${__stsenv_code}"
}

# ec2switch [ACCOUNT]: list the accounts, or switch to one (its cached MFA session if valid).
ec2switch() {
  __stsenv_eval switch "$@"
}

# ec2mfa [ACCOUNT] [-c CODE]: escalate to an MFA session (a valid cached one is reused).
ec2mfa() {
  __stsenv_eval mfa "$@"
}

# ec2role ROLE: assume a role (chained from the MFA session when there is one).
ec2role() {
  __stsenv_eval role --format shell "$@"
}

# ec2now: show which keys are set, from the environment alone.
ec2now() {
  builtin command stsenv now "$@"
}

# ec2unset: remove every variable stsenv set.
ec2unset() {
  __stsenv_eval unset "$@"
}

# ec2clear: remove cached sessions (stsenv clear); unset this shell's session if it was one.
ec2clear() {
  __stsenv_eval clear "$@"
}

# ec2console: a console sign-in link (stsenv console); it prints nothing for the shell.
ec2console() {
  builtin command stsenv console "$@"
}

# stsenv_prompt: a prompt segment like "personal:mfa 11h58m", without starting a process.
stsenv_prompt() {
  local STSENV_PROMPT
  stsenv_prompt_update
  [[ -z "${STSENV_PROMPT}" ]] || builtin printf '%s\n' "${STSENV_PROMPT}"
}

# stsenv_prompt_update: the same segment into the variable STSENV_PROMPT (empty when nothing is
# set), for a prompt that starts no process and no fork.
stsenv_prompt_update() {
  STSENV_PROMPT=
  [[ -n "${STSENV_ACCOUNT-}" && -n "${AWS_ACCESS_KEY_ID-}" ]] || return 0
  local __stsenv_kind="${STSENV_KIND:-keys}" __stsenv_expires="${STSENV_EXPIRES-}" __stsenv_now __stsenv_left
  if [[ "${__stsenv_kind}" == role && -n "${STSENV_ROLE-}" ]]; then
    __stsenv_kind="role/${STSENV_ROLE}"
  fi
  STSENV_PROMPT="${STSENV_ACCOUNT}:${__stsenv_kind}"
  # A pattern, not =~, so that the user's BASH_REMATCH is kept: 1 to 15 digits.
  if [[ -z "${__stsenv_expires}" || "${__stsenv_expires}" == *[!0-9]* || ${#__stsenv_expires} -gt 15 ]]; then
    return 0
  fi
  __stsenv_now="${EPOCHSECONDS-}"
  if [[ -z "${__stsenv_now}" ]]; then
    builtin printf -v __stsenv_now '%(%s)T' -1 2>/dev/null || __stsenv_now="$(date +%s)"
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
  local __stsenv_names __stsenv_name
  COMPREPLY=()
  ((COMP_CWORD == 1)) || return 0
  __stsenv_names="$(builtin command stsenv list "$1" 2>/dev/null)" || return 0
  while IFS= builtin read -r __stsenv_name; do
    if [[ -n "${__stsenv_name}" && "${__stsenv_name}" == "${COMP_WORDS[COMP_CWORD]}"* ]]; then
      COMPREPLY+=("${__stsenv_name}")
    fi
  done <<<"${__stsenv_names}"
}
__stsenv_complete_accounts() { __stsenv_complete --names; }
__stsenv_complete_roles() { __stsenv_complete --roles; }
complete -F __stsenv_complete_accounts ec2switch ec2mfa
complete -F __stsenv_complete_roles ec2role

# stsenv <Tab>: the stsenv command's own completion (stsenv completions bash), loaded on the
# first Tab, so that loading these functions costs nothing more; a completion of stsenv the
# user set up already is kept.
__stsenv_complete_lazy() {
  local __stsenv_code
  __stsenv_code="$(builtin command stsenv completions bash 2>/dev/null)" || return 0
  builtin complete -r stsenv 2>/dev/null
  builtin eval "${__stsenv_code}"
  # With the new completion in place, 124 makes bash complete the word again.
  return 124
}
builtin complete -p stsenv >/dev/null 2>&1 || builtin complete -F __stsenv_complete_lazy -o bashdefault -o default stsenv
