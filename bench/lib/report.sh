# bench part "report" (sourced by bench/run): the HTML report (--report, issue 19) of the capture
# part's Redis capture: time and file size, against the same pipeline without the report.
# Until --report is wired into sniff's run loop, the build's sniff-report helper stands in for
# `sniff -r FILE --framing crlf --report OUT.html` (same pipeline, engine and collector).

run_report_part() {
    say "part report"
    local helper=$build_dir/sniff-report
    if [ ! -x "$helper" ]; then
        record report.helper report "sniff-report helper" n/a "" "" "build it: cmake --build $build_dir --target sniff-report"
        return
    fi
    if ! [ -s "$capture_file" ] || [ "$(file_bytes "$capture_file")" -lt "$capture_min_bytes" ]; then
        say "recording $capture_file (tcpdump on lo, redis-benchmark -P 16)"
        make_capture || { record report.file report "capture file" n/a MB "" "recording failed"; return; }
    fi
    cat "$capture_file" >/dev/null
    local out=$work/report.html
    measure 3 "" "$helper" "$capture_file" crlf "$out" --no-report
    record report.baseline.seconds report "pipeline + crlf engine, no report: time" "$m_secs" s "" "median of 3"
    local baseline=$m_secs
    measure 3 "" "$helper" "$capture_file" crlf "$out"
    record report.seconds report "pipeline + crlf engine + report: time" "$m_secs" s "" "median of 3"
    record report.rss report "with report: peak RSS" "$m_rss_mb" MB "" "mapped capture pages included"
    record report.overhead report "report overhead" "$(calc 1 '(b - a) / a * 100' "$baseline" "$m_secs")" % "" \
        "collecting and writing the page"
    record report.size report "report file size" "$(calc 2 'a / 1e6' "$(file_bytes "$out")")" MB "<20" \
        "$(file_bytes "$capture_file") byte capture"
    rm -f "$out"
}
