# bench part "capture" (sourced by bench/run): offline analysis of a >= 500 MB capture of real
# loopback traffic, sniff against tshark and tcpflow on the same file in the same run.

capture_file=$bench_dir/data/redis-lo.pcap
capture_min_bytes=500000000

file_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

# Records redis-benchmark traffic on lo with tcpdump until the file holds capture_min_bytes.
# Pipelining (-P 16) makes the client and server write large segments, as real bulk traffic does.
make_capture() {
    local port tmp redis_pid tcpdump_pid round
    mkdir -p "$bench_dir/data"
    port=$(net free-port)
    # Record into the scratch directory (tmpfs when it has room) and move the file when done: a
    # disk that falls behind makes the kernel drop packets, and drops become gaps in every stream.
    tmp=$work/capture.pcap.tmp
    start_bg redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize no --logfile "$logs/redis-capture.log"
    redis_pid=$last_pid
    net wait-listen "$port" 10 || { say "redis-server did not start"; return 1; }
    # -Z root: Debian's tcpdump otherwise drops to user tcpdump, which cannot write here.
    # -B: a 256 MiB kernel buffer; nice: on two cores tcpdump must not lose the race for the CPU
    # against the client and server it watches.
    start_bg nice -n -10 tcpdump -i lo -n -B 262144 -Z root -w "$tmp" "tcp port $port" 2>"$logs/tcpdump.log"
    tcpdump_pid=$last_pid
    for round in $(seq 50); do
        grep -q "listening on" "$logs/tcpdump.log" && break
        sleep 0.1
    done
    for round in 1 2 3 4 5 6; do
        [ "$(file_bytes "$tmp")" -ge "$capture_min_bytes" ] && break
        timeout 120 nice -n 10 redis-benchmark -h 127.0.0.1 -p "$port" -n 1200000 -d 200 -P 16 -q \
            -t set,get >>"$logs/redis-benchmark-capture.log" 2>&1
    done
    stop_bg "$tcpdump_pid" INT
    stop_bg "$redis_pid"
    capture_dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$logs/tcpdump.log")
    if [ "$(file_bytes "$tmp")" -lt "$capture_min_bytes" ]; then
        say "capture too small ($(file_bytes "$tmp") bytes); see $logs/tcpdump.log"
        return 1
    fi
    mv "$tmp" "$capture_file.tmp" && mv "$capture_file.tmp" "$capture_file"
}

empty_streams() { rm -rf "$work/streams"; }
empty_tcpflow() { rm -rf "$work/tcpflow" && mkdir -p "$work/tcpflow"; }

# measure_tool ID LABEL REPS PREP CMD...: one time, GB/s and memory row per tool.
measure_tool() {
    local id=$1 label=$2 reps=$3 prep=$4 note=""
    shift 4
    measure "$reps" "$prep" "$@"
    if [ "$m_rc" != 0 ]; then
        note="exit $m_rc, see results/logs/commands.stderr"
        m_secs=n/a m_rss_mb=n/a
    fi
    [ "$reps" -gt 1 ] && note="${note:-median of $reps}"
    eval "t_$id=$m_secs rss_$id=$m_rss_mb"
    record "capture.$id.seconds" capture "$label: time" "$m_secs" s "" "$note"
    record "capture.$id.gbps" capture "$label: rate" "$(calc 2 'a / b / 1e9' "$capture_bytes" "$m_secs")" \
        GB/s "${gbps_target[$id]:-}"
    record "capture.$id.rss" capture "$label: peak RSS" "$m_rss_mb" MB "${rss_target[$id]:-}"
    case $id in sniff*) split_memory "$id" "$label" "$prep" "$@" ;; esac
}

# split_memory ID LABEL PREP CMD...: one more run sampling /proc to split peak RSS into what the
# tool allocated (anonymous) and the pages of the memory-mapped input file it still maps.
split_memory() {
    local id=$1 label=$2 prep=$3
    shift 3
    [ -n "$prep" ] && "$prep"
    python3 "$bench_dir/lib/memwatch.py" "$@" >"$logs/memwatch-$id.json" 2>>"$logs/commands.stderr"
    record "capture.$id.anon" capture "$label: peak anonymous RSS" \
        "$(calc 1 'a / 1024' "$(report field "$logs/memwatch-$id.json" anon_kib)")" MB "" \
        "sampled every 5 ms: heap and buffers"
    record "capture.$id.file" capture "$label: peak file-backed RSS" \
        "$(calc 1 'a / 1024' "$(report field "$logs/memwatch-$id.json" file_kib)")" MB "" \
        "mapped pages of the capture (page cache)"
}

run_capture_part() {
    say "part capture"
    if [ -s "$capture_file" ] && [ "$(file_bytes "$capture_file")" -ge "$capture_min_bytes" ]; then
        say "reusing $capture_file (delete it to record a new one)"
        capture_dropped=""
    else
        say "recording $capture_file (tcpdump on lo, redis-benchmark -P 16)"
        make_capture || { record capture.file capture "capture file" n/a MB "" "recording failed"; return; }
    fi
    capture_bytes=$(file_bytes "$capture_file")
    local packets
    packets=$(capinfos -M -c "$capture_file" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }')
    record capture.file.mb capture "capture file size" "$(calc 1 'a / 1e6' "$capture_bytes")" MB ">=500" \
        "redis-benchmark on lo, tcpdump"
    record capture.file.packets capture "capture packets" "${packets:-n/a}" packets "" \
        "${capture_dropped:+$capture_dropped dropped by kernel while recording}"
    # Lost packets would send every tool down its gap path; say how clean the file is.
    local gaps
    gaps=$("$sniff" -q -r "$capture_file" 2>/dev/null | tail -n 1 | sed -n 's/.* \([0-9]*\) gaps.*/\1/p')
    record capture.file.gaps capture "stream gaps in the capture (sniff)" "${gaps:-n/a}" gaps "" \
        "from lost packets; 0 for a clean recording"

    # Every tool reads the file from the page cache, so the figures compare CPU work, not the disk.
    fresh_in_page_cache "$capture_file"
    cat "$capture_file" >/dev/null

    declare -gA gbps_target=([sniff]=">=1" [sniff_crlf]=">=1" [sniff_resp]=">=1")
    declare -gA rss_target=([sniff]="<100" [sniff_crlf]="<100" [sniff_ws]="<100")
    measure_tool cat "cat (page cache read)" 3 "" cat "$capture_file"
    measure_tool sniff "sniff -r (reassembly)" 3 "" "$sniff" -q -r "$capture_file"
    measure_tool sniff_crlf "sniff -r --framing crlf" 3 "" "$sniff" -q -r "$capture_file" --framing crlf
    # issue 16: whole RESP values instead of lines, on the same bytes.
    measure_tool sniff_resp "sniff -r --framing resp" 3 "" "$sniff" -q -r "$capture_file" --framing resp
    measure_tool sniff_ws "sniff -r --write-streams" 3 empty_streams \
        "$sniff" -q -r "$capture_file" --write-streams "$work/streams"
    local sniff_stream_bytes
    sniff_stream_bytes=$(find "$work/streams" -type f ! -name index.json -printf '%s\n' 2>/dev/null |
        awk '{ s += $1 } END { print s + 0 }')
    empty_streams
    # tcpflow drops a report.xml beside the stream files; neither tool's total counts it.
    measure_tool tcpflow "tcpflow -r" 3 empty_tcpflow tcpflow -r "$capture_file" -o "$work/tcpflow"
    local tcpflow_stream_bytes
    tcpflow_stream_bytes=$(find "$work/tcpflow" -type f ! -name report.xml -printf '%s\n' 2>/dev/null |
        awk '{ s += $1 } END { print s + 0 }')
    empty_tcpflow
    # tshark is slow: one run.
    measure_tool tshark "tshark -z conv,tcp" 1 "" tshark -q -z conv,tcp -r "$capture_file"

    record capture.streams.sniff_mb capture "stream bytes written: sniff" \
        "$(calc 1 'a / 1e6' "$sniff_stream_bytes")" MB "" "sum of --write-streams files"
    record capture.streams.tcpflow_mb capture "stream bytes written: tcpflow" \
        "$(calc 1 'a / 1e6' "$tcpflow_stream_bytes")" MB "" "should match sniff"
    record capture.ratio.tshark capture "tshark time / sniff time" \
        "$(calc 1 'a / b' "$t_tshark" "$t_sniff")" x ">=10"
    record capture.ratio.tcpflow capture "tcpflow time / sniff --write-streams time" \
        "$(calc 2 'a / b' "$t_tcpflow" "$t_sniff_ws")" x ">1"
    record capture.ratio.dissection capture "dissection overhead (crlf vs reassembly)" \
        "$(calc 1 '(a - b) / b * 100' "$t_sniff_crlf" "$t_sniff")" % "<=30"
    record capture.ratio.resp capture "resp time vs crlf time" \
        "$(calc 1 '(a - b) / b * 100' "$t_sniff_resp" "$t_sniff_crlf")" % "<=30" \
        "issue 16: resp within 30 % of crlf (negative: faster)"
    record capture.ratio.cat capture "sniff time / cat time" \
        "$(calc 1 'a / b' "$t_sniff" "$t_cat")" x "" "cost over reading the bytes"
    record capture.ratio.memory capture "tshark peak RSS / sniff peak RSS" \
        "$(calc 1 'a / b' "$rss_tshark" "$rss_sniff")" x
}
