# bash completion for sniff(1). The options come from the binary itself
# (`sniff --complete-options [serve|client]`, the tables --help is made of), so they follow
# the sniff being completed; framing presets from `sniff --list-framings`.

# The options of a command as "NAME VALUE" lines (VALUE "-" for a flag).
_sniff_options() {
    "$1" --complete-options ${2:+"$2"} 2>/dev/null
}

# The value of the option $2 ("-r" → FILE), or nothing for a flag or an unknown word.
_sniff_value_of() {
    local name value
    while read -r name value; do
        if [[ $name == "$2" && $value != - ]]; then
            printf '%s\n' "$value"
            return
        fi
    done <<<"$(_sniff_options "$1" "$3")"
}

_sniff_presets() {
    "$1" --list-framings 2>/dev/null | awk 'NR > 1 && NF == 0 { exit } NR > 1 { print $1 }'
}

_sniff_interfaces() {
    local names=(/sys/class/net/*)
    printf '%s\n' any "${names[@]##*/}"
}

_sniff() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local sniff=${COMP_WORDS[0]} command="" i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        --) return 0 ;; # the rest is exec's command line: leave it to bash
        demo | exec | replay | serve | client)
            [[ -z $command ]] && command=${COMP_WORDS[i]}
            ;;
        esac
    done
    local table=""
    [[ $command == serve || $command == client ]] && table=$command
    COMPREPLY=()
    if ((COMP_CWORD > 1)); then
        local value
        value=$(_sniff_value_of "$sniff" "$prev" "$table")
        case $value in
        "") ;;
        FILE) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
        DIR) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
        IFACE) mapfile -t COMPREPLY < <(compgen -W "$(_sniff_interfaces)" -- "$cur"); return 0 ;;
        USER) mapfile -t COMPREPLY < <(compgen -u -- "$cur"); return 0 ;;
        SPEC | F)
            if [[ $prev == --framing ]]; then
                # --framing PORT=SPEC: complete the SPEC after the '='.
                local port=""
                [[ $cur == *=* ]] && port=${cur%%=*}= && cur=${cur#*=}
                mapfile -t COMPREPLY < <(compgen -P "$port" \
                    -W "$(_sniff_presets "$sniff") raw auto" -- "$cur")
            fi
            return 0
            ;;
        *) return 0 ;; # a number, a size, an address: nothing to offer
        esac
    fi
    if [[ $cur == -* ]]; then
        local names
        names=$(_sniff_options "$sniff" "$table" | awk '{ print $1 }')
        mapfile -t COMPREPLY < <(compgen -W "$names" -- "$cur")
    elif ((COMP_CWORD == 1)); then
        mapfile -t COMPREPLY < <(compgen -W "demo exec replay serve client" -- "$cur")
    elif [[ $command == replay && $prev == replay ]]; then
        mapfile -t COMPREPLY < <(compgen -f -- "$cur") # the capture to replay
    fi
    return 0
}

complete -F _sniff sniff
