# shellcheck shell=bash
# Part `web` (issue 15): the http, http2 and grpc framings on ~1 GB synthetic captures of
# HTTP/1.1, HTTP/2 and gRPC over HTTP/2 (bench/lib/web_capture.py, deterministic), against plain
# reassembly, `--framing raw` and tshark in the same run. The machine may be shared: each command
# is timed by its CPU (user + sys, /usr/bin/time) and by wall, in rounds that interleave the
# commands (round 1 runs each once, then round 2 ...), and the medians are compared.
# Rows per file: CPU and wall of `sniff -q -r FILE` (reassembly), `--framing 8080=raw` and each
# framing; each framing's rate by CPU (target >= 1 GB/s) and its CPU overhead over reassembly in %
# (target <= 30). Then on a 32 MB file of each kind: tshark dissecting the protocol (-Y filter)
# against sniff's framing, CPU of each and the ratio.

web_rounds=3

web_file() {
    local kind=$1 megabytes=$2 file=$bench_dir/data/web-$1-$2m.pcap
    [ "$megabytes" = 1024 ] && file=$bench_dir/data/web-$1-1g.pcap
    mkdir -p "$bench_dir/data"
    if [ ! -s "$file" ]; then
        say "writing $file"
        python3 "$bench_dir/lib/web_capture.py" "$kind" "$file.tmp" "$megabytes" &&
            mv "$file.tmp" "$file"
    fi
    echo "$file"
}

# cpu_once CMD...: runs CMD with stdout discarded; prints "CPU_SECONDS WALL_SECONDS EXIT".
cpu_once() {
    local tfile=$work/cpu.out rc user sys wall
    /usr/bin/time -f '%U %S %e' -o "$tfile" "$@" >/dev/null 2>>"$logs/commands.stderr"
    rc=$?
    read -r user sys wall < <(tail -n 1 "$tfile")
    echo "$(calc 3 'a + b' "$user" "$sys") $wall $rc"
}

# web_rounds_of ID=CMD... : runs every command once per round, interleaved, web_rounds rounds;
# sets w_cpu[ID] and w_wall[ID] to the medians (n/a when a run failed).
declare -A w_cpu w_wall
web_interleaved() {
    local -A cpus walls failed
    local round entry id cmd cpu wall rc
    for ((round = 0; round < web_rounds; round++)); do
        for entry in "$@"; do
            id=${entry%%=*}
            cmd=${entry#*=}
            echo "# $cmd" >>"$logs/commands.stderr"
            # shellcheck disable=SC2086 # the command is a word list
            read -r cpu wall rc < <(cpu_once $cmd)
            [ "$rc" != 0 ] && failed[$id]=1
            cpus[$id]+=" $cpu"
            walls[$id]+=" $wall"
        done
    done
    for entry in "$@"; do
        id=${entry%%=*}
        # shellcheck disable=SC2086 # the lists are words
        w_cpu[$id]=$(median ${cpus[$id]})
        # shellcheck disable=SC2086
        w_wall[$id]=$(median ${walls[$id]})
        [ -n "${failed[$id]:-}" ] && w_cpu[$id]=n/a && w_wall[$id]=n/a
    done
}

web_specs() {
    case $1 in
    http1) echo http ;;
    http2) echo http2 http ;;
    grpc) echo grpc http2 ;;
    esac
}

web_tshark_filter() {
    case $1 in
    http1) echo "http http" ;;
    http2) echo "http2 http2" ;;
    grpc) echo "http2 grpc" ;;
    esac
}

run_web_part() {
    local kind file small bytes spec entries id decode filter sniff=$work/sniff-web
    # A copy: a build that relinks the binary meanwhile does not break the rounds.
    cp "$build_dir/sniff" "$sniff" || return
    for kind in http1 http2 grpc; do
        file=$(web_file "$kind" 1024) || { record "web.$kind.file" web "$kind capture" n/a MB; continue; }
        bytes=$(stat -L -c %s "$file")
        cat "$file" >/dev/null && cat "$file" >/dev/null # the page cache, twice
        record "web.$kind.file.mb" web "$kind capture size" "$(calc 1 'a / 1e6' "$bytes")" MB
        entries=("plain=$sniff -q -r $file" "raw=$sniff -q -r $file --framing 8080=raw")
        for spec in $(web_specs "$kind"); do
            entries+=("$spec=$sniff -q -r $file --framing 8080=$spec")
        done
        web_interleaved "${entries[@]}"
        for id in plain raw $(web_specs "$kind"); do
            record "web.$kind.$id.cpu" web "$kind: sniff ${id/plain/(reassembly)}: CPU" \
                "${w_cpu[$id]}" s "" "median of $web_rounds interleaved, user+sys"
            record "web.$kind.$id.wall" web "$kind: sniff ${id/plain/(reassembly)}: wall" \
                "${w_wall[$id]}" s
        done
        for spec in $(web_specs "$kind"); do
            record "web.$kind.$spec.target" web "$kind --framing $spec rate (CPU)" \
                "$(calc 2 'a / b / 1e9' "$bytes" "${w_cpu[$spec]}")" GB/s ">=1"
            record "web.$kind.$spec.overhead" web "$kind --framing $spec over reassembly (CPU)" \
                "$(calc 1 '(a / b - 1) * 100' "${w_cpu[$spec]}" "${w_cpu[plain]}")" % "<=30"
        done
        record "web.$kind.raw.overhead" web "$kind --framing raw over reassembly (CPU)" \
            "$(calc 1 '(a / b - 1) * 100' "${w_cpu[raw]}" "${w_cpu[plain]}")" %

        # tshark on a smaller file of the same kind: it dissects every packet, so 32 MB is enough.
        small=$(web_file "$kind" 32) || continue
        read -r decode filter < <(web_tshark_filter "$kind")
        spec=$(web_specs "$kind" | cut -d' ' -f1)
        web_interleaved "tshark=tshark -r $small -d tcp.port==8080,$decode -Y $filter" \
            "sniff=$sniff -q -r $small --framing 8080=$spec"
        record "web.$kind.small.tshark.cpu" web "$kind 32 MB: tshark -Y $filter: CPU" \
            "${w_cpu[tshark]}" s "" "median of $web_rounds interleaved"
        record "web.$kind.small.sniff.cpu" web "$kind 32 MB: sniff --framing $spec: CPU" \
            "${w_cpu[sniff]}" s
        record "web.$kind.small.ratio" web "$kind 32 MB: tshark CPU / sniff CPU" \
            "$(calc 1 'a / b' "${w_cpu[tshark]}" "${w_cpu[sniff]}")" x
    done
}
