# bench/report.awk: medians of the raw JSON lines of bench/run, one row per figure, one column per server,
# then each server's ratio to plain Kestrel ("reference"). Memory rows come from the fan-out load named memload.
# Usage: awk -v servers="chat-memory reference nchan" -v memload=15000 -f report.awk raw.jsonl
function get(line, key,    m) {
    if (match(line, "\"" key "\":(\"[^\"]*\"|[^,}]*)")) {
        m = substr(line, RSTART + length(key) + 3, RLENGTH - length(key) - 3)
        gsub(/"/, "", m)
        return m
    }
    return ""
}
function add(fig, server, v) {
    if (!(fig in seen)) { seen[fig] = 1; order[++nfig] = fig }
    key = fig SUBSEP server
    vals[key, ++count[key]] = v + 0
}
function median(key,    n, i, j, t, a) {
    n = count[key]
    if (!n) return ""
    for (i = 1; i <= n; i++) a[i] = vals[key, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function fmt(v) {
    if (v == "") return "-"
    if (v >= 1000) return sprintf("%.0f", v)
    if (v >= 100) return sprintf("%.1f", v)
    return sprintf("%.2f", v)
}
{
    s = get($0, "server"); mode = get($0, "mode"); load = get($0, "load")
    if (mode == "fanout") {
        n = get($0, "waiters")
        bad[s] += get($0, "missing") + get($0, "wrong")
        if (get($0, "warmup") == "true") next
        add("fan-out to " load ": p50 ms", s, get($0, "p50_ms"))
        add("fan-out to " load ": p99 ms", s, get($0, "p99_ms"))
        add("fan-out to " load ": last ms", s, get($0, "last_ms"))
        add("fan-out to " load ": load tool CPU ms", s, get($0, "tool_cpu_ms"))
    } else if (mode == "memory" && get($0, "phase") == "holding" && load == memload) {
        add("memory per held waiter at " load ": PSS bytes", s, get($0, "pss_per_waiter"))
        add("memory per held waiter at " load ": RSS bytes", s, get($0, "rss_per_waiter"))
    } else if (mode == "throughput") {
        bad[s] += get($0, "mismatches") + get($0, "follower_errors") + get($0, "post_errors")
        add(load ": posts/s", s, get($0, "posts_per_s"))
        add(load ": deliveries/s", s, get($0, "deliveries_per_s"))
        add(load ": post-to-delivery p50 ms", s, get($0, "p50_ms"))
        add(load ": post-to-delivery p99 ms", s, get($0, "p99_ms"))
    }
}
END {
    ns = split(servers, sv, " ")
    line = sprintf("%-48s", "figure (median)")
    for (i = 1; i <= ns; i++) line = line sprintf(" %12s", sv[i])
    for (i = 1; i <= ns; i++) if (sv[i] != "reference") line = line sprintf(" %12s", sv[i] "/ref")
    print line
    for (f = 1; f <= nfig; f++) {
        fig = order[f]
        line = sprintf("%-48s", fig)
        ref = median(fig SUBSEP "reference")
        for (i = 1; i <= ns; i++) line = line sprintf(" %12s", fmt(median(fig SUBSEP sv[i])))
        for (i = 1; i <= ns; i++) {
            if (sv[i] == "reference") continue
            m = median(fig SUBSEP sv[i])
            line = line sprintf(" %12s", (m == "" || ref == "" || ref == 0) ? "-" : sprintf("%.2fx", m / ref))
        }
        print line
    }
    line = sprintf("%-48s", "missing/wrong deliveries, mismatches, errors")
    for (i = 1; i <= ns; i++) line = line sprintf(" %12d", bad[sv[i]])
    print line
}
