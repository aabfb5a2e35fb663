# bench part "report" (sourced by bench/run): the HTML report (--report, issue 19) of the capture
# part's 616 MB Redis capture (--framing crlf) and of the tui part's 1 GB single-stream capture
# (--framing struct; both recorded first when missing, as those parts do): time, CPU time and
# file size of `sniff -r FILE --framing F --report OUT.html`, against `sniff -r FILE --framing F`
# (the same text views without the report) in the same run, the runs interleaved.
# With BENCH_SNIFF_BEFORE=PATH (another build's sniff), also the per-packet cost of a run without
# --report, `sniff -q -r` on the traffic part's generated capture, PATH against this build: the
# report's control events (pure ACKs, retransmissions) must cost nothing when not asked for.

# report_pair ID LABEL REPS CMD_A -- CMD_B: runs A and B alternately REPS times each (time_cpu of
# the traffic part); sets a_wall a_cpu a_rss and b_wall b_cpu b_rss (medians in s, largest MB).
report_pair() {
    local reps=$3 i a=() b=() wall cpu kib rc walls_a=() cpus_a=() walls_b=() cpus_b=()
    shift 3
    while [ "$1" != "--" ]; do a+=("$1"); shift; done
    shift
    b=("$@")
    a_rss=0 b_rss=0
    echo "# A: ${a[*]}" >>"$logs/commands.stderr"
    echo "# B: ${b[*]}" >>"$logs/commands.stderr"
    for ((i = 0; i < reps; i++)); do
        read -r wall cpu kib rc < <(time_cpu "${a[@]}")
        walls_a+=("$wall") cpus_a+=("$cpu")
        ((kib > a_rss)) && a_rss=$kib
        read -r wall cpu kib rc < <(time_cpu "${b[@]}")
        walls_b+=("$wall") cpus_b+=("$cpu")
        ((kib > b_rss)) && b_rss=$kib
    done
    a_wall=$(calc 3 'a / 1000' "$(median "${walls_a[@]}")")
    a_cpu=$(calc 3 'a / 1000' "$(median "${cpus_a[@]}")")
    b_wall=$(calc 3 'a / 1000' "$(median "${walls_b[@]}")")
    b_cpu=$(calc 3 'a / 1000' "$(median "${cpus_b[@]}")")
    a_rss=$(calc 1 'a / 1024' "$a_rss")
    b_rss=$(calc 1 'a / 1024' "$b_rss")
}

# report_rows ID LABEL FILE FRAMING: the report of FILE against the same run without it.
report_rows() {
    local id=$1 label=$2 file=$3 framing=$4 out=$work/report.html
    cat "$file" >/dev/null
    cat "$file" >/dev/null
    report_pair "$id" "$label" 3 "$sniff" -q -r "$file" --framing "$framing" -- \
        "$sniff" -q -r "$file" --framing "$framing" --report "$out"
    local mb
    mb=$(calc 1 'a / 1e6' "$(file_bytes "$file")")
    record "$id.plain" report "$label: no report, wall / CPU" "$a_wall / $a_cpu" s "" "median of 3"
    record "$id.report" report "$label: --report, wall / CPU" "$b_wall / $b_cpu" s "" \
        "median of 3, interleaved with the run above"
    record "$id.overhead" report "$label: report overhead (CPU)" \
        "$(calc 1 '(b - a) / a * 100' "$a_cpu" "$b_cpu")" % "" "wall: $(calc 1 '(b - a) / a * 100' "$a_wall" "$b_wall") %"
    record "$id.rss" report "$label: --report peak RSS" "$b_rss" MB "" "without: $a_rss MB (mapped capture pages included)"
    record "$id.size" report "$label: report file size" "$(calc 2 'a / 1e6' "$(file_bytes "$out")")" MB "<20" \
        "$mb MB capture"
    rm -f "$out"
}

run_report_part() {
    say "part report"
    if ! [ -s "$capture_file" ] || [ "$(file_bytes "$capture_file")" -lt "$capture_min_bytes" ]; then
        say "recording $capture_file (tcpdump on lo, redis-benchmark -P 16)"
        make_capture || record report.redis.file report "Redis capture" n/a MB "" "recording failed"
    fi
    [ -s "$capture_file" ] && report_rows report.redis "616 MB Redis capture, crlf" "$capture_file" crlf
    if ! [ -s "$stream_file" ] || [ "$(file_bytes "$stream_file")" -lt "$stream_min_bytes" ]; then
        say "recording $stream_file (tcpdump on lo, one 1 GB stream of 64 KiB messages)"
        make_stream_capture || record report.stream.file report "1 GB stream capture" n/a MB "" "recording failed"
    fi
    [ -s "$stream_file" ] && report_rows report.stream1g "1 GB single stream, struct" "$stream_file" struct
    [ -n "${BENCH_SNIFF_BEFORE:-}" ] || return 0
    if ! [ -x "$BENCH_SNIFF_BEFORE" ]; then
        record report.controls report "control events off: before / now" n/a "" "" "BENCH_SNIFF_BEFORE is not executable"
        return 0
    fi
    make_traffic || { record report.controls report "traffic capture" n/a "" "" "sniff-gencap failed"; return 0; }
    cat "$traffic_clean" >/dev/null
    report_pair report.controls "" 5 "$BENCH_SNIFF_BEFORE" -q -r "$traffic_clean" -- \
        "$sniff" -q -r "$traffic_clean"
    record report.controls.before report "sniff -q -r traffic (1M packets), before: wall / CPU" "$a_wall / $a_cpu" s "" \
        "$BENCH_SNIFF_BEFORE, median of 5"
    record report.controls.now report "sniff -q -r traffic (1M packets), now: wall / CPU" "$b_wall / $b_cpu" s "" \
        "median of 5, interleaved"
    record report.controls.ratio report "no --report: CPU now / before" "$(calc 3 'b / a' "$a_cpu" "$b_cpu")" x "~1" \
        "control events are only made for --report"
}
