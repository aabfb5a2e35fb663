# Part replay (sourced by bench/run): sniff replay against the real tools that send the same
# requests, in alternating rounds (the machine is shared and noisy; medians of
# BENCH_REPLAY_ROUNDS rounds, default 3).
#   The session: redis-benchmark -c 1 -P 1 -n 50000 -t set,get (100,000 requests, one at a time,
#   plus its CONFIG GETs), recorded by `sniff --proxy -w`: a proxy's recording loses nothing,
#   where a capture at ~40,000 packets/s on a loaded machine may drop packets (and the replay
#   would stop at the gap).
#   turn by turn: `sniff replay --flow all --to` (default turn-taking: each request after the
#     previous answer was read) against redis-benchmark's own rate for the same requests
#     (-c 1 -P 1: one request, one answer, the next request).
#   pipelined: `sniff replay --await none` against `redis-cli --pipe` fed the same client bytes
#     (the flows' client streams from `sniff -r --write-streams`, one after the other). sniff
#     keeps the captured writes (100,000 of them) and by default paces them so that each is one
#     read of the server's; with --delay 0 they go back to back. redis-cli --pipe writes 16 KiB
#     at a time: the ratio is the cost of replaying the capture's writes, not of the bytes.
# Both replays compare every answer (all must be equal, else the figure is n/a) and run the text
# views (summary) as a user's run does; rates are requests per second of wall time, sniff's
# start-up and the reading of the recording included.

replay_requests=100000

# replay_record FILE PORT: records the redis-benchmark session through sniff --proxy.
replay_record() {
    local file=$1 target=$2 front
    front=$(net free-port)
    start_bg "$sniff" --proxy "$front:127.0.0.1:$target" --no-tui -q -w "$file" \
        >"$logs/replay-record.log" 2>&1
    local pid=$last_pid
    net wait-listen "$front" 10 || say "sniff --proxy did not start (replay recording)"
    timeout 300 redis-benchmark -h 127.0.0.1 -p "$front" -c 1 -P 1 -n $((replay_requests / 2)) \
        -t set,get -q >"$logs/replay-record-bench.txt" 2>&1
    stop_bg "$pid" INT
}

# replay_rate LOG SECONDS: requests/s from sniff replay's summary line, n/a unless every answer
# was equal.
replay_rate() {
    local line
    line=$(grep -a '^replay: ' "$1" | tail -n 1)
    awk -v s="$2" '{
        for (i = 1; i <= NF; i++) {
            if ($(i + 1) == "requests") requests = $i
            if ($(i + 1) == "equal,") equal = $i
            if ($(i + 1) == "different,") different = $i
            if ($(i + 1) == "missing,") missing = $i
        }
    } END {
        if (requests > 0 && equal == requests && different == 0 && missing == 0 && s > 0)
            printf "%.0f\n", requests / s
        else
            print "n/a"
    }' <<<"$line"
}

run_replay_round() {
    local round=$1 out start end
    # Turn by turn: redis-benchmark's own rate, then sniff replay's.
    out=$logs/replay-bench-$round.txt
    timeout 300 redis-benchmark -h 127.0.0.1 -p "$replay_port" -c 1 -P 1 \
        -n $((replay_requests / 2)) -t set,get -q >"$out" 2>&1
    local set get
    set=$(redis_rps "$out" SET)
    get=$(redis_rps "$out" GET)
    # Both tests' requests over both tests' time.
    replay_rates[bench]+=" $(calc 0 "$replay_requests / ($replay_requests / 2 / a + $replay_requests / 2 / b)" "$set" "$get")"
    out=$logs/replay-turns-$round.txt
    start=$(date +%s%N)
    timeout 300 "$sniff" replay "$replay_file" --flow all --to "127.0.0.1:$replay_port" \
        --framing resp -q >"$out" 2>&1
    end=$(date +%s%N)
    replay_rates[turns]+=" $(replay_rate "$out" "$(calc 3 'a / 1e9' $((end - start)))")"
    # Pipelined: redis-cli --pipe, then sniff replay --await none.
    out=$logs/replay-pipe-$round.txt
    start=$(date +%s%N)
    timeout 300 redis-cli -h 127.0.0.1 -p "$replay_port" --pipe <"$work/replay-client.resp" \
        >"$out" 2>&1
    end=$(date +%s%N)
    if grep -q "errors: 0, replies: $replay_pipe_requests" "$out"; then
        replay_rates[pipe]+=" $(calc 0 'a / b' "$replay_pipe_requests" "$(calc 3 'a / 1e9' $((end - start)))")"
    fi
    out=$logs/replay-none-$round.txt
    start=$(date +%s%N)
    timeout 300 "$sniff" replay "$replay_file" --flow all --to "127.0.0.1:$replay_port" \
        --framing resp --await none -q >"$out" 2>&1
    end=$(date +%s%N)
    replay_rates[none]+=" $(replay_rate "$out" "$(calc 3 'a / 1e9' $((end - start)))")"
    out=$logs/replay-none-delay0-$round.txt
    start=$(date +%s%N)
    timeout 300 "$sniff" replay "$replay_file" --flow all --to "127.0.0.1:$replay_port" \
        --framing resp --await none --delay 0 -q >"$out" 2>&1
    end=$(date +%s%N)
    replay_rates[none0]+=" $(replay_rate "$out" "$(calc 3 'a / 1e9' $((end - start)))")"
}

run_replay_part() {
    say "part replay"
    replay_port=$(net free-port)
    start_bg redis-server --port "$replay_port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --logfile "$logs/redis-replay.log"
    net wait-listen "$replay_port" 10 || say "redis-server did not start"
    replay_file=$work/replay-session.pcap
    replay_record "$replay_file" "$replay_port"
    # The client bytes of every flow, in flow order, for redis-cli --pipe.
    rm -rf "$work/replay-streams"
    "$sniff" -r "$replay_file" --write-streams "$work/replay-streams" -q >/dev/null 2>&1
    python3 - "$work/replay-streams" "$work/replay-client.resp" <<'EOF'
import json, os, sys
streams, out = sys.argv[1], sys.argv[2]
entries = json.load(open(os.path.join(streams, "index.json")))
with open(out, "wb") as sink:
    for entry in sorted(entries, key=lambda e: e["flow"]):
        if entry["dir"] == "c2s":
            with open(os.path.join(streams, entry["file"]), "rb") as f:
                sink.write(f.read())
EOF
    # Requests in the client bytes (each is a RESP array: a line starting with '*').
    replay_pipe_requests=$(grep -ac $'^\*' "$work/replay-client.resp")
    say "replay: $(du -h "$replay_file" | cut -f1) recording, $replay_pipe_requests requests"
    declare -gA replay_rates=()
    local round rounds=${BENCH_REPLAY_ROUNDS:-3}
    for ((round = 1; round <= rounds; round++)); do
        run_replay_round "$round"
    done
    local bench turns pipe none none0
    bench=$(median ${replay_rates[bench]})
    turns=$(median ${replay_rates[turns]})
    pipe=$(median ${replay_rates[pipe]})
    none=$(median ${replay_rates[none]})
    none0=$(median ${replay_rates[none0]})
    record replay.turns.direct replay "100k SET/GET turn by turn: redis-benchmark -c 1" "$bench" req/s
    record replay.turns.sniff replay "100k SET/GET turn by turn: sniff replay" "$turns" req/s
    record replay.turns.ratio replay "turn by turn: sniff replay / redis-benchmark" \
        "$(calc 2 'a / b' "$turns" "$bench")" x
    record replay.pipe.direct replay "100k SET/GET pipelined: redis-cli --pipe" "$pipe" req/s
    record replay.pipe.sniff replay "100k SET/GET pipelined: sniff replay --await none" "$none" req/s
    record replay.pipe.ratio replay "pipelined: sniff replay / redis-cli --pipe" \
        "$(calc 2 'a / b' "$none" "$pipe")" x
    record replay.pipe.sniff0 replay "100k SET/GET pipelined: ... --await none --delay 0" "$none0" \
        req/s
    record replay.pipe.ratio0 replay "pipelined, --delay 0: sniff replay / redis-cli --pipe" \
        "$(calc 2 'a / b' "$none0" "$pipe")" x
}
