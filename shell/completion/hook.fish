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
            case @GLOBALS@
                set value_of global
                set -a globals $word
            case @ACCOUNTS@
                set value_of account
            case @VALUES@
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
