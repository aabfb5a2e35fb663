# Part rechunk (sourced by bench/run): what pacing re-chunked writes costs. One 4 MB stream in
# 16 KiB writes through `sniff --proxy --rechunk c2s=fixed:1024` to a reader that counts its
# recv() results, paced (the default) and with --delay 0 (back to back), in alternating rounds.

rechunk_once() {
    local label=$1 sink_port=$2 sink_out=$3
    shift 3
    local front log lines
    front=$(net free-port)
    log=$logs/rechunk-$label.log
    start_bg "$sniff" --proxy "$front:127.0.0.1:$sink_port" --no-tui -q \
        --rechunk c2s=fixed:1024 "$@" >"$log" 2>&1
    local pid=$last_pid
    net wait-listen "$front" 10 || say "sniff --proxy did not start ($label)"
    lines=$(wc -l <"$sink_out")
    python3 "$bench_dir/lib/rechunk.py" send "$front" 4194304 16384 >>"$work/rechunk-$label.json"
    # The sink prints its line once the connection has closed.
    for _ in $(seq 50); do [ "$(wc -l <"$sink_out")" -gt "$lines" ] && break; sleep 0.1; done
    tail -n 1 "$sink_out" >>"$work/rechunk-$label-sink.json"
    stop_bg "$pid" INT
}

# rechunk_field FILE KEY: the median of KEY over the JSON lines of FILE.
rechunk_field() {
    python3 -c 'import json, statistics, sys
values = [json.loads(l)[sys.argv[2]] for l in open(sys.argv[1]) if l.strip()]
print(round(statistics.median(values), 2) if values else "n/a")' "$1" "$2"
}

run_rechunk_part() {
    say "part rechunk"
    local sink_port sink_out round
    sink_port=$(net free-port)
    sink_out=$work/rechunk-sink.out
    : >"$sink_out"
    start_bg python3 "$bench_dir/lib/rechunk.py" sink "$sink_port" >"$sink_out"
    net wait-listen "$sink_port" 10 || say "rechunk sink did not start"
    for round in 1 2 3; do
        rechunk_once paced "$sink_port" "$sink_out"
        rechunk_once delay0 "$sink_port" "$sink_out" --delay 0
    done
    local label
    for label in paced delay0; do
        record "rechunk.$label.mbps" rechunk "fixed:1024 4 MB, $label: throughput" \
            "$(rechunk_field "$work/rechunk-$label.json" mb_per_s)" MB/s
        record "rechunk.$label.reads" rechunk "fixed:1024 4 MB, $label: reader's recv() calls" \
            "$(rechunk_field "$work/rechunk-$label-sink.json" reads)" reads "" \
            "4096 writes; fewer reads = writes merged in the reader's queue"
        record "rechunk.$label.largest" rechunk "fixed:1024 4 MB, $label: largest recv()" \
            "$(rechunk_field "$work/rechunk-$label-sink.json" largest)" bytes "1024"
    done
}
