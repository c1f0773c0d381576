# Account and role names, from stsenv itself (stsenv list --names, stsenv list --roles).
_stsenv() {
    local sub="" account="" word="" value_of="" i
    local -i positionals=0
    local -a globals names
    for ((i = 2; i < CURRENT; i++)); do
        word="${words[i]}"
@WORD@
    done
    if [[ "${value_of}" == account || ( -z "${value_of}" && "${words[CURRENT]}" != -* && ${positionals} -eq 0 ) ]]; then
        case "${value_of}:${sub}" in
            account:* | :switch | :mfa)
                names=(${(f)"$(command stsenv "${globals[@]}" list --names 2>/dev/null)"})
                names=(${names:#})
                compadd -a names
                return
                ;;
            :role)
                globals+=(list --roles "${account}")
                names=(${(f)"$(command stsenv "${globals[@]}" 2>/dev/null)"})
                names=(${names:#})
                compadd -a names
                return
                ;;
        esac
    fi
    _stsenv_clap "$@"
}
