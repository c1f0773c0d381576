# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
__stsenv_reply_lines() {
    local __stsenv_line
    COMPREPLY=()
    while IFS= read -r __stsenv_line; do
        if [[ -n "${__stsenv_line}" && "${__stsenv_line}" == "$1"* ]]; then
            COMPREPLY+=("${__stsenv_line}")
        fi
    done
}

_stsenv_names() {
    local cur="${COMP_WORDS[COMP_CWORD]}" sub="" account="" word="" value_of="" i
    local positionals=0
    local -a globals=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        word="${COMP_WORDS[i]}"
        # bash splits --option=value at the '='. (A value's leading ~ is the shell's to expand.)
        [[ "${word}" == "=" ]] && continue
@WORD@
    done
    if [[ "${value_of}" == account || ( -z "${value_of}" && "${cur}" != -* && ${positionals} -eq 0 ) ]]; then
        case "${value_of}:${sub}" in
            account:* | :switch | :mfa)
                __stsenv_reply_lines "${cur}" < <(command stsenv "${globals[@]}" list --names 2>/dev/null)
                return 0
                ;;
            :role)
                globals+=(list --roles "${account}")
                __stsenv_reply_lines "${cur}" < <(command stsenv "${globals[@]}" 2>/dev/null)
                return 0
                ;;
        esac
    fi
    _stsenv "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _stsenv_names -o nosort -o bashdefault -o default stsenv
else
    complete -F _stsenv_names -o bashdefault -o default stsenv
fi
