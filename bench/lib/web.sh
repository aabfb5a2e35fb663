# shellcheck shell=bash
# Part `web` (issue 15): the http and http2 framings on ~1 GB synthetic captures of HTTP/1.1 and
# HTTP/2 (bench/lib/web_capture.py, deterministic), against plain reassembly in the same run.
# Rows: time and GB/s of `cat`, `sniff -q -r FILE`, `sniff -q -r FILE --framing 8080=SPEC`, and
# the framing's overhead over reassembly in % (target <= 30) and its rate (target >= 1 GB/s).

web_file() {
    local kind=$1 file=$bench_dir/data/web-$1-1g.pcap
    mkdir -p "$bench_dir/data"
    if [ ! -s "$file" ]; then
        say "writing $file (about a minute)"
        python3 "$bench_dir/lib/web_capture.py" "$kind" "$file.tmp" 1024 && mv "$file.tmp" "$file"
    fi
    echo "$file"
}

# web_measure ID LABEL FILE CMD...: median of three, one time row and one rate row; sets w_secs.
web_measure() {
    local id=$1 label=$2 file=$3 bytes
    shift 3
    bytes=$(stat -L -c %s "$file")
    measure 3 "" "$@"
    [ "$m_rc" != 0 ] && m_secs=n/a
    w_secs=$m_secs
    record "web.$id.seconds" web "$label: time" "$m_secs" s "" "median of 3"
    record "web.$id.gbps" web "$label: rate" "$(calc 2 'a / b / 1e9' "$bytes" "$m_secs")" GB/s
}

run_web_part() {
    local kind file spec t_cat t_plain t_framed
    for kind in http1 http2; do
        file=$(web_file "$kind") || { record "web.$kind.file" web "$kind capture" n/a MB; continue; }
        cat "$file" >/dev/null && cat "$file" >/dev/null # the page cache, twice
        record "web.$kind.file.mb" web "$kind capture size" "$(calc 1 'a / 1e6' "$(stat -L -c %s "$file")")" MB
        web_measure "$kind.cat" "$kind: cat" "$file" cat "$file"
        t_cat=$w_secs
        web_measure "$kind.plain" "$kind: sniff -q -r (reassembly)" "$file" "$sniff" -q -r "$file"
        t_plain=$w_secs
        for spec in http $([ "$kind" = http2 ] && echo http2); do
            web_measure "$kind.$spec" "$kind: sniff -q -r --framing 8080=$spec" "$file" \
                "$sniff" -q -r "$file" --framing "8080=$spec"
            t_framed=$w_secs
            record "web.$kind.$spec.target" web "$kind --framing $spec rate" \
                "$(calc 2 'a / b / 1e9' "$(stat -L -c %s "$file")" "$t_framed")" GB/s ">=1"
            record "web.$kind.$spec.overhead" web "$kind --framing $spec over reassembly" \
                "$(calc 1 '(a / b - 1) * 100' "$t_framed" "$t_plain")" % "<=30"
        done
        record "web.$kind.cat_ratio" web "$kind: reassembly time / cat time" \
            "$(calc 2 'a / b' "$t_plain" "$t_cat")" x
    done
}
