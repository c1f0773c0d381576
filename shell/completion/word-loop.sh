        if [[ -n "${value_of}" ]]; then
            case "${value_of}" in
                account) account="${word}" ;;
                global) globals+=("${word/#\~/${HOME}}") ;;
            esac
            value_of=""
            continue
        fi
        case "${sub}:${word}" in
            @GLOBALS@) value_of=global; globals+=("${word}") ;;
            @ACCOUNTS@) value_of=account ;;
            @VALUES@) value_of=value ;;
            *:-*) ;;
            :*) sub="${word}" ;;
            *) ((positionals += 1)) ;;
        esac
