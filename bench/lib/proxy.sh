# bench part "proxy" (sourced by bench/run): sniff --proxy against a direct connection and socat,
# for throughput (iperf3), request rate (redis-benchmark), latency (64-byte ping-pong) and memory
# per idle connection.

# Front ends between a client and a server: direct (no proxy), socat, HAProxy with one thread (a
# tuned C event-loop proxy: the best a single-threaded proxy does here), sniff (plain forwarding),
# sniff-rec (recording to a pcap and dissecting with --framing crlf, as the issue's targets ask) and
# sniff-rec-sleep (the same with --busy-poll 0: its loop sleeps as soon as it has nothing to do,
# instead of polling 50 µs first, the proxy's default).
proxy_modes=(direct socat haproxy sniff sniff-rec sniff-rec-sleep)
# Rounds of every mode one after the other, each mode's median reported: the machine's load
# moves between minutes, and interleaving spreads it over all modes alike.
proxy_rounds=${BENCH_PROXY_ROUNDS:-3}
declare -A mode_ok=([direct]=1 [socat]=1 [haproxy]=1)
declare -A mode_note=()

# start_front MODE TARGET_PORT TAG: sets front_port and front_pid; returns 1 when the front end
# did not come up (its output is in logs/front-TAG.log).
start_front() {
    local mode=$1 target=$2 tag=$3
    front_pid=""
    front_port=$target
    [ "$mode" = direct ] && return 0
    front_port=$(net free-port)
    local log=$logs/front-$tag.log
    case $mode in
    socat)
        start_bg socat "TCP-LISTEN:$front_port,bind=127.0.0.1,fork,reuseaddr" \
            "TCP:127.0.0.1:$target" >"$log" 2>&1
        ;;
    haproxy)
        # Foreground (-db), one thread, plain TCP forwarding; its default buffers.
        printf '%s\n' global '    nbthread 1' '    maxconn 4000' defaults '    mode tcp' \
            '    timeout connect 5s' '    timeout client 120s' '    timeout server 120s' \
            'listen front' "    bind 127.0.0.1:$front_port" "    server target 127.0.0.1:$target" \
            >"$work/haproxy-$tag.cfg"
        start_bg haproxy -db -f "$work/haproxy-$tag.cfg" >"$log" 2>&1
        ;;
    sniff)
        start_bg "$sniff" --proxy "$front_port:127.0.0.1:$target" --no-tui -q >"$log" 2>&1
        ;;
    sniff-rec)
        start_bg "$sniff" --proxy "$front_port:127.0.0.1:$target" --no-tui -q \
            --framing crlf -w /dev/null >"$log" 2>&1
        ;;
    sniff-rec-sleep)
        start_bg "$sniff" --proxy "$front_port:127.0.0.1:$target" --no-tui -q \
            --framing crlf -w /dev/null --busy-poll 0 >"$log" 2>&1
        ;;
    esac
    front_pid=$last_pid
    if net wait-listen "$front_port" 5 && kill -0 "$front_pid" 2>/dev/null; then
        return 0
    fi
    stop_bg "$front_pid"
    front_pid=""
    return 1
}

# Decides once per mode whether sniff --proxy runs at all, so a missing feature gives one clear
# "n/a" instead of a failure per measurement.
probe_modes() {
    local mode
    if ! command -v haproxy >/dev/null; then
        mode_ok[haproxy]=0
        mode_note[haproxy]="n/a: haproxy not installed (apt-get install haproxy)"
    fi
    for mode in sniff sniff-rec sniff-rec-sleep; do
        if start_front "$mode" "$echo_port" "probe-$mode"; then
            mode_ok[$mode]=1
            stop_bg "$front_pid"
        else
            mode_ok[$mode]=0
            mode_note[$mode]="n/a: sniff --proxy not available"
            echo "n/a: sniff --proxy not available ($mode: $(head -n 1 "$logs/front-probe-$mode.log"))"
        fi
    done
}

# The mode whose figures are held against the issue's targets: recording and framing on when
# that works, else plain forwarding.
target_mode() { [ "${mode_ok[sniff-rec]}" = 1 ] && echo sniff-rec || echo sniff; }

run_iperf() {
    local streams=$1 mode value tag round
    declare -A runs=()
    for round in $(seq "$proxy_rounds"); do
        for mode in "${proxy_modes[@]}"; do
            tag=iperf-P$streams-$mode-$round
            value=n/a
            if [ "${mode_ok[$mode]}" = 1 ] && start_front "$mode" "$iperf_port" "$tag"; then
                timeout 30 iperf3 -c 127.0.0.1 -p "$front_port" -t 4 -P "$streams" -J \
                    >"$logs/$tag.json" 2>&1
                value=$(report iperf "$logs/$tag.json")
                stop_bg "$front_pid"
            fi
            runs[$mode]+=" $value"
        done
    done
    for mode in "${proxy_modes[@]}"; do
        # shellcheck disable=SC2086 # one word per round
        value=$(median ${runs[$mode]})
        eval "iperf_${streams}_${mode//-/_}=$value"
        record "proxy.iperf_P$streams.$mode" proxy "iperf3 -P $streams: $mode" "$value" Gbit/s "" \
            "${mode_note[$mode]:-median of${runs[$mode]}}"
    done
    local best target
    target=$(target_mode)
    best=iperf_${streams}_${target//-/_}
    record "proxy.iperf_P$streams.vs_direct" proxy "iperf3 -P $streams: $target / direct" \
        "$(calc 2 'a / b' "${!best}" "$(eval echo "\$iperf_${streams}_direct")")" x ">=0.5"
    record "proxy.iperf_P$streams.vs_socat" proxy "iperf3 -P $streams: $target / socat" \
        "$(calc 2 'a / b' "${!best}" "$(eval echo "\$iperf_${streams}_socat")")" x ">=2"
    record "proxy.iperf_P$streams.vs_haproxy" proxy "iperf3 -P $streams: $target / haproxy" \
        "$(calc 2 'a / b' "${!best}" "$(eval echo "\$iperf_${streams}_haproxy")")" x
    record "proxy.iperf_P$streams.haproxy_vs_direct" proxy "iperf3 -P $streams: haproxy / direct" \
        "$(calc 2 'a / b' "$(eval echo "\$iperf_${streams}_haproxy")" \
            "$(eval echo "\$iperf_${streams}_direct")")" x
}

run_redis() {
    local mode tag set get round
    declare -A set_runs=() get_runs=()
    for round in $(seq "$proxy_rounds"); do
        for mode in "${proxy_modes[@]}"; do
            tag=redis-$mode-$round
            set=n/a get=n/a
            if [ "${mode_ok[$mode]}" = 1 ] && start_front "$mode" "$redis_port" "$tag"; then
                timeout 120 redis-benchmark -h 127.0.0.1 -p "$front_port" -c 50 -n 200000 -q \
                    -t set,get >"$logs/$tag.log" 2>&1
                read -r set get < <(report redis "$logs/$tag.log")
                stop_bg "$front_pid"
            fi
            set_runs[$mode]+=" $set"
            get_runs[$mode]+=" $get"
        done
    done
    for mode in "${proxy_modes[@]}"; do
        # shellcheck disable=SC2086 # one word per round
        set=$(median ${set_runs[$mode]}) get=$(median ${get_runs[$mode]})
        eval "redis_set_${mode//-/_}=$set redis_get_${mode//-/_}=$get"
        record "proxy.redis.$mode.set" proxy "redis-benchmark -c 50 SET: $mode" "$set" req/s "" \
            "${mode_note[$mode]:-median of${set_runs[$mode]}}"
        record "proxy.redis.$mode.get" proxy "redis-benchmark -c 50 GET: $mode" "$get" req/s "" \
            "median of${get_runs[$mode]}"
    done
    local target
    target=$(target_mode)
    target=${target//-/_}
    record proxy.redis.set.vs_direct proxy "redis SET: $(target_mode) / direct" \
        "$(calc 2 'a / b' "$(eval echo "\$redis_set_$target")" "$redis_set_direct")" x ">=0.7"
    record proxy.redis.get.vs_direct proxy "redis GET: $(target_mode) / direct" \
        "$(calc 2 'a / b' "$(eval echo "\$redis_get_$target")" "$redis_get_direct")" x ">=0.7"
    local other op
    for other in sniff_rec_sleep haproxy; do
        for op in set get; do
            record "proxy.redis.$op.${other}_vs_direct" proxy \
                "redis ${op^^}: ${other//_/-} / direct" \
                "$(calc 2 'a / b' "$(eval echo "\$redis_${op}_$other")" \
                    "$(eval echo "\$redis_${op}_direct")")" x
        done
    done
}

run_pingpong() {
    local mode tag p50 p99 round
    declare -A p50_runs=() p99_runs=()
    for round in $(seq "$proxy_rounds"); do
        for mode in "${proxy_modes[@]}"; do
            tag=pingpong-$mode-$round
            p50=n/a p99=n/a
            if [ "${mode_ok[$mode]}" = 1 ] && start_front "$mode" "$echo_port" "$tag"; then
                timeout 60 python3 "$bench_dir/lib/net.py" pingpong "$front_port" 20000 64 \
                    >"$logs/$tag.json" 2>&1
                p50=$(report field "$logs/$tag.json" p50_us)
                p99=$(report field "$logs/$tag.json" p99_us)
                stop_bg "$front_pid"
            fi
            p50_runs[$mode]+=" $(calc 1 a "$p50")"
            p99_runs[$mode]+=" $(calc 1 a "$p99")"
        done
    done
    for mode in "${proxy_modes[@]}"; do
        # shellcheck disable=SC2086 # one word per round
        p50=$(median ${p50_runs[$mode]}) p99=$(median ${p99_runs[$mode]})
        eval "ping_${mode//-/_}=$p50"
        record "proxy.pingpong.$mode.p50" proxy "64 B ping-pong p50: $mode" "$(calc 1 a "$p50")" µs \
            "" "${mode_note[$mode]:-median of${p50_runs[$mode]}}"
        record "proxy.pingpong.$mode.p99" proxy "64 B ping-pong p99: $mode" "$(calc 1 a "$p99")" µs
    done
    local target
    target=$(target_mode)
    record proxy.pingpong.added_sniff proxy "ping-pong added p50: $target" \
        "$(calc 1 'a - b' "$(eval echo "\$ping_${target//-/_}")" "$ping_direct")" µs "<=25"
    record proxy.pingpong.added_socat proxy "ping-pong added p50: socat" \
        "$(calc 1 'a - b' "$ping_socat" "$ping_direct")" µs
    record proxy.pingpong.added_haproxy proxy "ping-pong added p50: haproxy" \
        "$(calc 1 'a - b' "$ping_haproxy" "$ping_direct")" µs
    record proxy.pingpong.added_sniff_sleep proxy "ping-pong added p50: sniff-rec-sleep" \
        "$(calc 1 'a - b' "$ping_sniff_rec_sleep" "$ping_direct")" µs "" "--busy-poll 0"
}

run_idle() {
    local mode before=n/a after=n/a closed=n/a opened=n/a
    mode=$(target_mode)
    if [ "${mode_ok[$mode]}" = 1 ] && start_front "$mode" "$echo_port" idle; then
        timeout 60 python3 "$bench_dir/lib/net.py" idle "$front_port" 1000 "$front_pid" \
            >"$logs/idle.json" 2>&1
        before=$(calc 1 'a / 1024' "$(report field "$logs/idle.json" rss_before_kib)")
        after=$(calc 1 'a / 1024' "$(report field "$logs/idle.json" rss_after_kib)")
        closed=$(calc 1 'a / 1024' "$(report field "$logs/idle.json" rss_closed_kib)")
        opened=$(report field "$logs/idle.json" open)
        stop_bg "$front_pid"
    fi
    record proxy.idle.before proxy "$mode RSS, no connections" "$before" MB "" "${mode_note[$mode]:-}"
    record proxy.idle.after proxy "$mode RSS, 1000 idle connections" "$after" MB "<50" \
        "${opened} connections open"
    record proxy.idle.closed proxy "$mode RSS, after closing them" "$closed" MB
    record proxy.idle.per_conn proxy "$mode RSS per idle connection" \
        "$(calc 1 '(a - b) * 1024 / 1000' "$after" "$before")" KB
}

run_proxy_part() {
    say "part proxy"
    # Up to 2,000 descriptors for 1,000 proxied connections; children inherit the raised limit.
    ulimit -n "$(ulimit -Hn)" 2>/dev/null
    iperf_port=$(net free-port)
    start_bg iperf3 -s -B 127.0.0.1 -p "$iperf_port" >"$logs/iperf3-server.log" 2>&1
    redis_port=$(net free-port)
    start_bg redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --logfile "$logs/redis-proxy.log"
    echo_port=$(net free-port)
    start_bg python3 "$bench_dir/lib/net.py" echo-server "$echo_port"
    local port
    for port in "$iperf_port" "$redis_port" "$echo_port"; do
        net wait-listen "$port" 10 || say "server on port $port did not start"
    done
    probe_modes
    run_iperf 1
    run_iperf 4
    run_redis
    run_pingpong
    run_idle
}
