# shellcheck shell=bash
# stsenv shell functions for zsh. Load them with: eval "$(stsenv init zsh)"
# Every value reaches the shell through stsenv's own output, quoted for this shell; the
# functions only pass their arguments on and eval what stsenv prints on success.
zmodload zsh/datetime 2>/dev/null

# Run a stsenv command and eval its output; on failure the shell is left unchanged.
__stsenv_eval() {
  local __stsenv_command="$1" __stsenv_code
  shift
  __stsenv_code="$(command stsenv "${__stsenv_command}" --shell zsh "$@")" || return
  eval "${__stsenv_code}"
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
  command stsenv now "$@"
}

# ec2unset: remove every variable stsenv set.
ec2unset() {
  __stsenv_eval unset "$@"
}

# stsenv_prompt: a prompt segment like "personal:mfa 11h58m", without starting a process.
stsenv_prompt() {
  [[ -n "${STSENV_ACCOUNT-}" && -n "${AWS_ACCESS_KEY_ID-}" ]] || return 0
  local __stsenv_kind="${STSENV_KIND:-keys}" __stsenv_now __stsenv_left
  if [[ "${__stsenv_kind}" == role && -n "${STSENV_ROLE-}" ]]; then
    __stsenv_kind="role/${STSENV_ROLE}"
  fi
  if [[ ! "${STSENV_EXPIRES-}" =~ ^[0-9]{1,15}$ ]]; then
    printf '%s:%s\n' "${STSENV_ACCOUNT}" "${__stsenv_kind}"
    return 0
  fi
  __stsenv_now="${EPOCHSECONDS-}"
  if [[ -z "${__stsenv_now}" ]]; then
    __stsenv_now="$(date +%s)"
  fi
  __stsenv_left=$((10#${STSENV_EXPIRES} - __stsenv_now))
  if ((__stsenv_left <= 0)); then
    printf '%s:%s expired\n' "${STSENV_ACCOUNT}" "${__stsenv_kind}"
  elif ((__stsenv_left >= 3600)); then
    printf '%s:%s %dh%02dm\n' "${STSENV_ACCOUNT}" "${__stsenv_kind}" $((__stsenv_left / 3600)) $((__stsenv_left % 3600 / 60))
  else
    printf '%s:%s %dm\n' "${STSENV_ACCOUNT}" "${__stsenv_kind}" $((__stsenv_left / 60))
  fi
}

# Account names complete from the key directory.
__stsenv_complete_accounts() {
  local __stsenv_names __stsenv_name
  # shellcheck disable=SC2154 # CURRENT is set by zsh's completion system
  ((CURRENT == 2)) || return 0
  __stsenv_names="$(command stsenv list --names 2>/dev/null)" || return 0
  while IFS= read -r __stsenv_name; do
    if [[ -n "${__stsenv_name}" ]]; then
      compadd -- "${__stsenv_name}"
    fi
  done <<<"${__stsenv_names}"
}
if whence compdef >/dev/null 2>&1; then
  compdef __stsenv_complete_accounts ec2switch ec2mfa
fi
