# Part exec (sourced by bench/run): a program's own socket calls reported by libsniff-preload.so,
# against the same program run plainly, alternating in each round (the machine is shared and
# noisy; medians of BENCH_EXEC_ROUNDS rounds, default 3; each ratio row's note lists the rounds'
# own ratios, their spread, and the load average). BENCH_EXEC_BASELINE=DIR adds a third mode in
# each round: the same command under DIR/sniff (an earlier build), for before/after figures taken
# in the same conditions.
#   redis-benchmark -q -n 100000 -t set,get (50 clients) against redis-server, the client under
#     `sniff exec --framing resp --summary` (every call's bytes reported and framed as RESP)
#   bulk: iperf3 -R -n 2G (the client reads 128 KiB per call), the client under `sniff exec`
#     (raw: bytes reported, not framed); iperf3 writes its JSON to --logfile, away from sniff's
#     summary on standard output.

# redis_rps OUTPUT TEST: the "requests per second" of one test in redis-benchmark -q output.
redis_rps() {
    tr '\r' '\n' <"$1" | awk -v t="$2:" '$1 == t && /requests per second/ { print $2; exit }'
}

# exec_modes: plain, exec, and baseline when BENCH_EXEC_BASELINE names an earlier build.
exec_modes() {
    echo plain exec
    [ -n "${BENCH_EXEC_BASELINE:-}" ] && echo baseline
}

# exec_sniff MODE: the sniff binary of that mode.
exec_sniff() {
    if [ "$1" = baseline ]; then echo "$BENCH_EXEC_BASELINE/sniff"; else echo "$build_dir/sniff"; fi
}

run_exec_redis_round() {
    local round=$1 mode out
    for mode in $(exec_modes); do
        out=$logs/exec-redis-$mode-$round.txt
        if [ "$mode" = plain ]; then
            timeout 300 redis-benchmark -h 127.0.0.1 -p "$redis_port" -q -n 100000 -t set,get \
                >"$out" 2>&1
        else
            timeout 300 "$(exec_sniff "$mode")" exec --framing resp --summary -- redis-benchmark \
                -h 127.0.0.1 -p "$redis_port" -q -n 100000 -t set,get >"$out" 2>&1
        fi
        exec_set[$mode]+=" $(redis_rps "$out" SET)"
        exec_get[$mode]+=" $(redis_rps "$out" GET)"
    done
}

# iperf_gbps JSON: received bits per second / 1e9.
iperf_gbps() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"]/1e9))' "$1" 2>/dev/null || echo n/a
}

run_exec_bulk_round() {
    local round=$1 mode out
    for mode in $(exec_modes); do
        out=$logs/exec-iperf-$mode-$round.json
        if [ "$mode" = plain ]; then
            rm -f "$out"
            timeout 300 iperf3 -c 127.0.0.1 -p "$iperf_port" -R -n 2G -J --logfile "$out" \
                >/dev/null 2>&1
        else
            rm -f "$out"
            timeout 300 "$(exec_sniff "$mode")" exec --summary -- iperf3 -c 127.0.0.1 -p "$iperf_port" \
                -R -n 2G -J --logfile "$out" >>"$logs/exec-sniff.stdout" 2>&1
        fi
        exec_bulk[$mode]+=" $(iperf_gbps "$out")"
    done
}

run_exec_part() {
    say "part exec"
    [ -f "$build_dir/libsniff-preload.so" ] || {
        say "exec: build the preload library first (cmake --build BUILD --target sniff_preload)"
        return
    }
    redis_port=$(net free-port)
    start_bg redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --logfile "$logs/redis-exec.log"
    iperf_port=$(net free-port)
    start_bg iperf3 -s -B 127.0.0.1 -p "$iperf_port" >"$logs/iperf3-exec-server.log" 2>&1
    net wait-listen "$redis_port" 10 || say "redis-server did not start"
    net wait-listen "$iperf_port" 10 || say "iperf3 -s did not start"
    declare -gA exec_set=() exec_get=() exec_bulk=()
    local round rounds=${BENCH_EXEC_ROUNDS:-3}
    for ((round = 1; round <= rounds; round++)); do
        run_exec_redis_round "$round"
        run_exec_bulk_round "$round"
    done
    local test value plain loads
    loads=$(cut -d' ' -f1-3 /proc/loadavg)
    for test in set get; do
        local -n values="exec_$test"
        plain=$(median ${values[plain]})
        value=$(median ${values[exec]})
        record "exec.redis.$test.plain" exec "redis-benchmark -n 100000 ${test^^}: plain" "$plain" req/s
        record "exec.redis.$test.exec" exec "redis-benchmark -n 100000 ${test^^}: sniff exec" \
            "$value" req/s
        record "exec.redis.$test.ratio" exec "${test^^} under sniff exec / plain" \
            "$(calc 2 'a / b' "$value" "$plain")" x ">=0.7" \
            "$(round_ratios "${values[exec]}" "${values[plain]}"); load $loads"
        [ -n "${BENCH_EXEC_BASELINE:-}" ] || continue
        value=$(median ${values[baseline]})
        record "exec.redis.$test.baseline_ratio" exec "${test^^} under baseline sniff exec / plain" \
            "$(calc 2 'a / b' "$value" "$plain")" x "" \
            "$(round_ratios "${values[baseline]}" "${values[plain]}")"
    done
    plain=$(median ${exec_bulk[plain]})
    value=$(median ${exec_bulk[exec]})
    record exec.bulk.plain exec "iperf3 -R -n 2G: plain" "$plain" Gbit/s
    record exec.bulk.exec exec "iperf3 -R -n 2G: sniff exec" "$value" Gbit/s
    record exec.bulk.ratio exec "bulk under sniff exec / plain" "$(calc 2 'a / b' "$value" "$plain")" \
        x "" "$(round_ratios "${exec_bulk[exec]}" "${exec_bulk[plain]}"); load $loads"
    if [ -n "${BENCH_EXEC_BASELINE:-}" ]; then
        value=$(median ${exec_bulk[baseline]})
        record exec.bulk.baseline_ratio exec "bulk under baseline sniff exec / plain" \
            "$(calc 2 'a / b' "$value" "$plain")" x "" \
            "$(round_ratios "${exec_bulk[baseline]}" "${exec_bulk[plain]}")"
    fi
}

# round_ratios "EXEC VALUES" "PLAIN VALUES": each round's ratio, then their range.
round_ratios() {
    local exec_values=($1) plain_values=($2) i ratios=()
    for i in "${!exec_values[@]}"; do
        ratios+=("$(calc 2 'a / b' "${exec_values[$i]}" "${plain_values[$i]:-}")")
    done
    local sorted
    sorted=$(printf '%s\n' "${ratios[@]}" | grep -E '^[0-9.]+$' | sort -g | tr '\n' ' ')
    echo "rounds ${ratios[*]}; range $(awk '{ print $1 "-" $NF }' <<<"$sorted")"
}
