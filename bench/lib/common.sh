# Shared helpers for bench/run (sourced). Expects: $work, $logs, $rows, $bench_dir.

net() { python3 "$bench_dir/lib/net.py" "$@"; }
report() { python3 "$bench_dir/lib/report.py" "$@"; }
# Drops FILE's pages from the page cache and reads it back through read-ahead, so every run starts
# from a file cached as one read from disk is (in large folios). A capture the kernel had partly
# reclaimed comes back in 4 KiB pages; mapping those cost sniff, which maps its input, 70 ms more
# system time on the 830 MB traffic capture than the same file read afresh (2026-12-06).
fresh_in_page_cache() {
    dd if="$1" iflag=nocache count=0 status=none 2>/dev/null || true
    cat "$1" >/dev/null
}
say() { printf 'bench: %s\n' "$*" >&2; }

# Every server or proxy the script starts goes through start_bg, so the EXIT trap can stop it.
bg_pids=()
last_pid=""
start_bg() {
    "$@" &
    last_pid=$!
    bg_pids+=("$last_pid")
}

stop_bg() {
    local pid=$1 signal=${2:-TERM} i
    [ -n "$pid" ] || return 0
    kill -"$signal" "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

stop_all_bg() {
    local pid
    for pid in "${bg_pids[@]}"; do
        kill -0 "$pid" 2>/dev/null && stop_bg "$pid"
    done
    bg_pids=()
}

# record ID PART LABEL VALUE UNIT [TARGET] [NOTE]: one row of the result table.
record() {
    local fields=("$@")
    while [ ${#fields[@]} -lt 7 ]; do fields+=(""); done
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${fields[@]:0:7}" >>"$rows"
    printf '  %-44s %s %s\n' "${fields[2]}" "${fields[3]}" "${fields[4]}" >&2
}

is_num() { [[ $1 =~ ^-?[0-9]+(\.[0-9]+)?$ ]]; }

# calc DIGITS EXPR VALUES...: EXPR names the values a, b, c; n/a when a value is not a number
# or the result is not finite (a zero divisor).
calc() {
    local digits=$1 expr=$2 v out
    shift 2
    for v in "$@"; do is_num "$v" || { echo n/a; return; }; done
    out=$(awk -v a="${1:-0}" -v b="${2:-0}" -v c="${3:-0}" \
        "BEGIN { printf \"%.${digits}f\\n\", $expr }" 2>/dev/null)
    is_num "$out" && echo "$out" || echo n/a
}

# median VALUES...: the median of the numeric values (n/a ones are left out), n/a when none is.
median() {
    local v numbers=()
    for v in "$@"; do is_num "$v" && numbers+=("$v"); done
    [ ${#numbers[@]} -eq 0 ] && { echo n/a; return; }
    printf '%s\n' "${numbers[@]}" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# time_once CMD...: run CMD with stdout discarded; prints "MILLISECONDS MAXRSS_KIB EXIT".
time_once() {
    local tfile=$work/time.out start end rc
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$tfile" "$@" >/dev/null 2>>"$logs/commands.stderr"
    rc=$?
    end=$(date +%s%N)
    echo "$(((end - start) / 1000000)) $(tail -n 1 "$tfile") $rc"
}

# measure REPS PREP CMD...: median wall time and largest peak RSS over REPS runs. PREP is a
# function run before each (untimed), e.g. to empty an output directory. Sets m_secs, m_rss_mb,
# m_rc (the last non-zero exit, else 0).
measure() {
    local reps=$1 prep=$2 i ms kib code times=() rss=0
    shift 2
    m_rc=0
    echo "# $*" >>"$logs/commands.stderr"
    for ((i = 0; i < reps; i++)); do
        [ -n "$prep" ] && "$prep"
        read -r ms kib code < <(time_once "$@")
        times+=("$ms")
        is_num "$kib" && ((kib > rss)) && rss=$kib
        [ "$code" != 0 ] && m_rc=$code
    done
    local median
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(((reps + 1) / 2))p")
    m_secs=$(calc 3 'a / 1000' "$median")
    m_rss_mb=$(calc 1 'a / 1024' "$rss")
}

# Missing Debian packages among the arguments (dpkg's view, as ./run checks them).
missing_packages() {
    local package missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$package")
    done
    echo "${missing[*]}"
}
