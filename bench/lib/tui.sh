# bench part "tui" (sourced by bench/run): the inspector on big captures, in tmux. A 1 GB single
# stream (tcpdump on lo of 64 KiB messages with a 4-byte length, made once and kept in bench/data)
# and, when the capture part made it, the 616 MB Redis capture. Times: from start to the first
# screen and to "fully loaded" (the key hints replace the loading status), then from a key to the
# changed pane for Enter (open the flow) and G (jump to the end of the stream); peak RSS.

stream_file=$bench_dir/data/stream-1g.pcap
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

# measure_tui ID LABEL FILE [SNIFF ARGS...]
measure_tui() {
    local id=$1 label=$2 file=$3 start first loaded rss
    shift 3
    tmux kill-session -t sniff-bench 2>/dev/null
    start=$(date +%s%N)
    tmux new-session -d -s sniff-bench -x 180 -y 45 "$sniff -r $file $*; sleep 600"
    pane_wait "sniff ·" 30 && first=$((($(date +%s%N) - start) / 1000000)) || first=n/a
    pane_wait "q quit" 300 && loaded=$((($(date +%s%N) - start) / 1000000)) || loaded=n/a
    rss=$(ps -o rss= -C sniff | sort -n | tail -n 1)
    record "tui.$id.first" tui "$label: first screen" "$first" ms
    record "tui.$id.loaded" tui "$label: fully loaded" "$(calc 2 'a / 1000' "$loaded")" s
    record "tui.$id.rss" tui "$label: RSS when loaded" "$(calc 1 'a / 1024' "$rss")" MB
    record "tui.$id.enter" tui "$label: Enter (open the flow)" "$(key_ms Enter)" ms
    record "tui.$id.end" tui "$label: G (end of the stream)" "$(key_ms G)" ms
    tmux send-keys -t sniff-bench q
    sleep 0.3
    tmux kill-session -t sniff-bench 2>/dev/null
}

run_tui_part() {
    say "part tui: the inspector on big captures"
    [ "$(file_bytes "$stream_file")" -ge "$stream_min_bytes" ] || make_stream_capture || return
    measure_tui stream1g.struct "1 GB stream, --framing struct" "$stream_file" --framing struct
    measure_tui stream1g.auto "1 GB stream, auto" "$stream_file"
    if [ -f "$capture_file" ]; then
        measure_tui redis.auto "616 MB Redis capture, auto" "$capture_file"
    fi
}
