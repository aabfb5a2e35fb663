# bench part "tui" (sourced by bench/run): the inspector on big captures, in tmux. A 1 GB single
# stream (tcpdump on lo of 64 KiB messages with a 4-byte length, made once and kept in bench/data),
# when the capture part made it the 616 MB Redis capture, and the traffic part's 830 MB capture of
# ~30 million RESP lines (--framing crlf; with BENCH_SNIFF_BEFORE=PATH also with another build's
# sniff, interleaved). Times: from start to the first screen and to "fully loaded" (the key hints
# replace the loading status), then from a key to the changed pane for Enter (open the flow) and G
# (jump to the end of the stream); peak RSS (VmHWM) and CPU time when loaded.

stream_file=$bench_dir/data/stream-1g.pcap
# Targets per row kind; only the traffic capture's rows have them (an associative array from the
# start: `set -u` fails on ${tui_target[rss]:-} while it is an undeclared name).
declare -gA tui_target=()
stream_min_bytes=1000000000

make_stream_capture() {
    local port tmp tcpdump_pid round
    mkdir -p "$bench_dir/data"
    port=$(net free-port)
    tmp=$work/stream.pcap.tmp
    start_bg nice -n -10 tcpdump -i lo -n -s 0 -B 1000000 -Z root -w "$tmp" "tcp port $port" \
        2>"$logs/tcpdump-stream.log"
    tcpdump_pid=$last_pid
    for round in $(seq 50); do
        grep -q "listening on" "$logs/tcpdump-stream.log" && break
        sleep 0.1
    done
    python3 "$bench_dir/lib/stream_sender.py" "$port" 1000000000 65536
    # tcpdump writes its buffer out after the sender is done: wait until the file stops growing.
    local last=-1
    while [ "$(file_bytes "$tmp")" != "$last" ]; do
        last=$(file_bytes "$tmp")
        sleep 2
    done
    stop_bg "$tcpdump_pid" INT
    if [ "$(file_bytes "$tmp")" -lt "$stream_min_bytes" ]; then
        say "stream capture too small ($(file_bytes "$tmp") bytes); see $logs/tcpdump-stream.log"
        return 1
    fi
    mv "$tmp" "$stream_file"
}

# pane_wait PATTERN SECONDS: polls the pane every 5 ms until it shows PATTERN.
pane_wait() {
    local deadline=$(($(date +%s%N) + $2 * 1000000000))
    while [ "$(date +%s%N)" -lt "$deadline" ]; do
        tmux capture-pane -p -t sniff-bench | grep -q -- "$1" && return 0
        sleep 0.005
    done
    return 1
}

# key_ms KEY: milliseconds from sending KEY to the pane changing (n/a after 5 s).
key_ms() {
    local before start
    before=$(tmux capture-pane -p -t sniff-bench)
    start=$(date +%s%N)
    tmux send-keys -t sniff-bench "$1"
    while [ $(($(date +%s%N) - start)) -lt 5000000000 ]; do
        [ "$(tmux capture-pane -p -t sniff-bench)" != "$before" ] &&
            { echo $((($(date +%s%N) - start) / 1000000)); return; }
        sleep 0.005
    done
    echo n/a
}

# key_row ID LABEL KEY PID: a row of key_ms with the CPU time PID spent meanwhile in the note
# (10 ms ticks): a loaded machine moves it much less than the wall time.
key_row() {
    local id=$1 label=$2 key=$3 pid=$4 cpu0 wall
    cpu0=$(cpu_ms "$pid")
    wall=$(key_ms "$key")
    record "$id" tui "$label" "$wall" ms "${tui_target[keys]:-}" \
        "sniff CPU $(calc 0 'a - b' "$(cpu_ms "$pid")" "$cpu0") ms"
}

# cpu_ms PID: user + system CPU time of the process so far, in milliseconds.
cpu_ms() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null
}

# sniff_of_pane: the pid of the program the pane's shell runs (sniff, until it exits).
sniff_of_pane() {
    pgrep -P "$(tmux list-panes -t sniff-bench -F '#{pane_pid}' | head -n 1)" | head -n 1
}

# measure_tui ID LABEL FILE [SNIFF ARGS...]: with $sniff, or the binary in $tui_bin when set.
measure_tui() {
    local id=$1 label=$2 file=$3 start first loaded pid hwm_kib cpu_total bin=${tui_bin:-$sniff}
    shift 3
    tmux kill-session -t sniff-bench 2>/dev/null
    start=$(date +%s%N)
    tmux new-session -d -s sniff-bench -x 180 -y 45 "$bin -r $file $*; sleep 600"
    pane_wait "sniff ·" 30 && first=$((($(date +%s%N) - start) / 1000000)) || first=n/a
    pane_wait "q quit" 300 && loaded=$((($(date +%s%N) - start) / 1000000)) || loaded=n/a
    pid=$(sniff_of_pane)
    # VmHWM: the peak, which a load that grows and frees (a vector doubling) reaches before the end.
    hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null)
    cpu_total=$(cpu_ms "$pid")
    record "tui.$id.first" tui "$label: first screen" "$first" ms "${tui_target[first]:-}"
    record "tui.$id.loaded" tui "$label: fully loaded (wall / CPU)" \
        "$(calc 2 'a / 1000' "$loaded") / $(calc 2 'a / 1000' "$cpu_total")" s
    record "tui.$id.rss" tui "$label: peak RSS (VmHWM)" "$(calc 1 'a / 1024' "$hwm_kib")" MB \
        "${tui_target[rss]:-}"
    key_row "tui.$id.enter" "$label: Enter (open the flow)" Enter "$pid"
    key_row "tui.$id.end" "$label: G (end of the stream)" G "$pid"
    eval "tui_rss_${id//./_}=$(calc 1 'a / 1024' "$hwm_kib")"
    tmux send-keys -t sniff-bench q
    sleep 0.3
    tmux kill-session -t sniff-bench 2>/dev/null
}

# The traffic part's capture with --framing crlf (issue 14: ~30 million messages, the inspector
# under 1 GB, first screen and keys under 100 ms), before and after when BENCH_SNIFF_BEFORE is set.
measure_tui_traffic() {
    [ -s "$traffic_clean" ] || make_traffic || {
        record tui.traffic.crlf.first tui "830 MB traffic capture, crlf" n/a "" "" "sniff-gencap failed"
        return
    }
    declare -gA tui_target=([first]="<100" [rss]="<1024" [keys]="<100")
    local before=${BENCH_SNIFF_BEFORE:-}
    if [ -n "$before" ] && ! [ -x "$before" ]; then
        record tui.traffic_before.crlf.first tui "830 MB traffic capture, crlf, before" n/a "" "" \
            "BENCH_SNIFF_BEFORE is not executable"
        before=""
    fi
    # Before first: its peak memory must not find this build's pages still in the page cache's way.
    [ -n "$before" ] && tui_bin=$before measure_tui traffic_before.crlf \
        "830 MB traffic capture, crlf, before" "$traffic_clean" --framing crlf
    measure_tui traffic.crlf "830 MB traffic capture, crlf" "$traffic_clean" --framing crlf
    [ -n "$before" ] && record tui.traffic.crlf.rss_ratio tui "peak RSS: before / now" \
        "$(calc 1 'a / b' "${tui_rss_traffic_before_crlf:-}" "${tui_rss_traffic_crlf:-}")" x
    tui_target=()
}

run_tui_part() {
    say "part tui: the inspector on big captures"
    [ "$(file_bytes "$stream_file")" -ge "$stream_min_bytes" ] || make_stream_capture || return
    measure_tui stream1g.struct "1 GB stream, --framing struct" "$stream_file" --framing struct
    measure_tui stream1g.auto "1 GB stream, auto" "$stream_file"
    if [ -f "$capture_file" ]; then
        measure_tui redis.auto "616 MB Redis capture, auto" "$capture_file"
    fi
    measure_tui_traffic
}
