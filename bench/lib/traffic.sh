# bench part "traffic" (sourced by bench/run): the per-packet cost on many small packets, and a
# lossy, reordered capture of the same conversation. Both files are written by sniff-gencap
# (redis-benchmark shape: -d 64, set/get/lpush/lrange_100, 100 connections, ~1M packets,
# ~830 MB); the lossy one drops 0.5 % of the data segments and records 15 % of them late (up
# to 8 packets), from the same seed, so the two hold the same conversation.

traffic_clean=$bench_dir/data/traffic-clean.pcap
traffic_lossy=$bench_dir/data/traffic-lossy.pcap
traffic_args=(--connections 100 --packets 1000000 --seed 1)

# time_cpu CMD...: prints "wall_ms cpu_ms peak_kib rc" of one run. CPU time (user + system) is
# given beside wall time: on a shared machine it moves much less with the load.
time_cpu() {
    local tfile=$work/time.out start end rc
    start=$(date +%s%N)
    /usr/bin/time -f '%e %U %S %M' -o "$tfile" "$@" >/dev/null 2>>"$logs/commands.stderr"
    rc=$?
    end=$(date +%s%N)
    awk -v wall=$(((end - start) / 1000000)) -v rc="$rc" \
        'END { printf "%d %d %d %d\n", wall, ($2 + $3) * 1000, $4, rc }' "$tfile"
}

# measure_traffic ID LABEL FILE REPS CMD...: median wall and CPU time, ns per packet, GB/s and
# the largest peak RSS over REPS runs. Sets w_<ID> (wall s), c_<ID> (CPU s), r_<ID> (RSS MB).
measure_traffic() {
    local id=$1 label=$2 file=$3 reps=$4 i wall cpu kib rc walls=() cpus=() rss=0 note=""
    shift 4
    echo "# $*" >>"$logs/commands.stderr"
    for ((i = 0; i < reps; i++)); do
        read -r wall cpu kib rc < <(time_cpu "$@")
        walls+=("$(calc 3 'a / 1000' "$wall")")
        cpus+=("$(calc 3 'a / 1000' "$cpu")")
        ((kib > rss)) && rss=$kib
        [ "$rc" != 0 ] && note="exit $rc, see results/logs/commands.stderr"
    done
    local w c packets bytes
    w=$(median "${walls[@]}") c=$(median "${cpus[@]}")
    packets=$(file_packets "$file") bytes=$(file_bytes "$file")
    eval "w_$id=$w c_$id=$c r_$id=$(calc 1 'a / 1024' "$rss")"
    record "traffic.$id.seconds" traffic "$label: time (wall / CPU)" "$w / $c" s "" \
        "${note:-median of $reps}"
    record "traffic.$id.ns_per_packet" traffic "$label: CPU per packet" \
        "$(calc 0 'a * 1e9 / b' "$c" "$packets")" ns "${ns_target[$id]:-}"
    record "traffic.$id.gbps" traffic "$label: rate (wall / CPU)" \
        "$(calc 2 'a / b / 1e9' "$bytes" "$w") / $(calc 2 'a / b / 1e9' "$bytes" "$c")" GB/s \
        "${traffic_gbps_target[$id]:-}"
    record "traffic.$id.rss" traffic "$label: peak RSS" "$(calc 1 'a / 1024' "$rss")" MB \
        "${traffic_rss_target[$id]:-}"
}

file_packets() { capinfos -M -c "$1" 2>/dev/null | awk -F: '/Number of packets/ { gsub(/ /, "", $2); print $2 }'; }

make_traffic() {
    local gencap=$build_dir/sniff-gencap
    [ -x "$gencap" ] || { say "$gencap not found: cmake --build BUILD --target sniff-gencap"; return 1; }
    mkdir -p "$bench_dir/data"
    if [ ! -s "$traffic_clean" ]; then
        "$gencap" --traffic "$traffic_clean.tmp" "${traffic_args[@]}" >>"$logs/gencap.log" &&
            mv "$traffic_clean.tmp" "$traffic_clean" || return 1
    fi
    if [ ! -s "$traffic_lossy" ]; then
        "$gencap" --traffic "$traffic_lossy.tmp" "${traffic_args[@]}" --drop 0.005 --reorder 0.15 \
            --reorder-distance 8 >>"$logs/gencap.log" &&
            mv "$traffic_lossy.tmp" "$traffic_lossy" || return 1
    fi
}

run_traffic_part() {
    say "part traffic"
    make_traffic || { record traffic.file traffic "traffic captures" n/a MB "" "sniff-gencap failed"; return; }
    local file
    for file in "$traffic_clean" "$traffic_lossy"; do
        fresh_in_page_cache "$file"
        record "traffic.file.$(basename "$file" .pcap)" traffic "$(basename "$file")" \
            "$(calc 1 'a / 1e6' "$(file_bytes "$file")") MB, $(file_packets "$file") packets" "" "" \
            "sniff-gencap ${traffic_args[*]}"
    done
    local gaps
    gaps=$("$sniff" -q -r "$traffic_lossy" 2>/dev/null | tail -n 1 | sed -n 's/.* \([0-9]*\) gaps.*/\1/p')
    record traffic.lossy.gaps traffic "gaps in the lossy capture (sniff)" "${gaps:-n/a}" gaps "" \
        "one per run of dropped segments"

    declare -gA ns_target=([sniff]="<=250")
    declare -gA traffic_gbps_target=([sniff]=">=2.5" [sniff_crlf]=">=2")
    declare -gA traffic_rss_target=([lossy]="<64" [lossy_crlf]="<64")
    measure_traffic cat "cat (page cache read)" "$traffic_clean" 3 cat "$traffic_clean"
    measure_traffic sniff "sniff -r, clean" "$traffic_clean" 3 "$sniff" -q -r "$traffic_clean"
    measure_traffic sniff_crlf "sniff -r --framing crlf, clean" "$traffic_clean" 3 \
        "$sniff" -q -r "$traffic_clean" --framing crlf
    measure_traffic lossy "sniff -r, lossy" "$traffic_lossy" 3 "$sniff" -q -r "$traffic_lossy"
    measure_traffic lossy_crlf "sniff -r --framing crlf, lossy" "$traffic_lossy" 3 \
        "$sniff" -q -r "$traffic_lossy" --framing crlf
    mkdir -p "$work/tcpflow-traffic"
    measure_traffic tcpflow "tcpflow -r, clean" "$traffic_clean" 1 \
        tcpflow -r "$traffic_clean" -o "$work/tcpflow-traffic"
    rm -rf "$work/tcpflow-traffic"
    measure_traffic tshark "tshark -z conv,tcp, clean" "$traffic_clean" 1 \
        tshark -q -z conv,tcp -r "$traffic_clean"

    record traffic.ratio.lossy traffic "lossy / clean time (wall; CPU)" \
        "$(calc 2 'a / b' "$w_lossy" "$w_sniff"); $(calc 2 'a / b' "$c_lossy" "$c_sniff")" x "<=1.3"
    record traffic.ratio.tshark traffic "tshark / sniff CPU time" \
        "$(calc 1 'a / b' "$c_tshark" "$c_sniff")" x
    record traffic.ratio.tcpflow traffic "tcpflow / sniff CPU time" \
        "$(calc 1 'a / b' "$c_tcpflow" "$c_sniff")" x
}
