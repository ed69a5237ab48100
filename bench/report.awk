# bench/report.awk: medians of the raw JSON lines of bench/run, one row per figure, one column per server,
# then each server's ratio to plain Kestrel ("reference"), when it ran. Memory rows come from the fan-out load named
# memload. When chat-sqlite ran beside chat-sqlite-1tx or chat-memory, two more columns: its ratio to each (group
# commit against one transaction per post, durable against in-memory), and under the table the issue-4 targets
# for the durable load at 64 posters, with the ratios of each run (the servers of one run ran one after another).
# Throughput loads give a whole-run row (medians of the runs' figures) and a row of medians over every run's rounds
# (the tool's --rounds windows), like the fan-out's: on a shared machine, a stall lands in one round.
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
    byrun[key, run] = v + 0
    if (!(run in runseen)) { runseen[run] = 1; runs[++nruns] = run }
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
    s = get($0, "server"); mode = get($0, "mode"); load = get($0, "load"); run = get($0, "run")
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
        if (load ~ /warm-up/) next
        add(load ": posts/s", s, get($0, "posts_per_s"))
        if (get($0, "followers") == 0) {                     # posters only: no deliveries, the ack is the figure
            add(load ": post-ack p50 ms", s, get($0, "ack_p50_ms"))
            add(load ": post-ack p99 ms", s, get($0, "ack_p99_ms"))
            add(load ": server CPU % of one core", s, get($0, "server_cpu_ms") / get($0, "seconds") / 10)
            add(load ": load tool CPU % of one core", s, get($0, "tool_cpu_ms") / get($0, "seconds") / 10)
            next
        }
        add(load ": deliveries/s", s, get($0, "deliveries_per_s"))
        add(load ": post-to-delivery p50 ms, whole run", s, get($0, "p50_ms"))
        add(load ": post-to-delivery p99 ms, whole run", s, get($0, "p99_ms"))
    } else if (mode == "throughput_round" && load !~ /warm-up/) {   # the same load's windows (load --rounds)
        add(load ": post-to-delivery p50 ms, median of rounds", s, get($0, "p50_ms"))
        add(load ": post-to-delivery p99 ms, median of rounds", s, get($0, "p99_ms"))
    }
}
function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b) }
function has(name,    i) { for (i = 1; i <= ns; i++) if (sv[i] == name) return 1; return 0 }
END {
    ns = split(servers, sv, " ")
    hasref = has("reference")
    # Extra ratio columns: chat-sqlite over chat-sqlite-1tx (group commit's gain), over chat-memory (durability's cost).
    nx = 0
    if (has("chat-sqlite") && has("chat-sqlite-1tx")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "chat-sqlite-1tx"; xname[nx] = "sqlite/1tx" }
    if (has("chat-sqlite") && has("chat-memory")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "chat-memory"; xname[nx] = "sqlite/memory" }
    fw = 48
    for (f = 1; f <= nfig; f++) if (length(order[f]) > fw) fw = length(order[f])
    line = sprintf("%-" fw "s", "figure (median)")
    for (i = 1; i <= ns; i++) { w[i] = length(sv[i]) > 12 ? length(sv[i]) : 12; line = line sprintf(" %" w[i] "s", sv[i]) }
    if (hasref) for (i = 1; i <= ns; i++) if (sv[i] != "reference") line = line sprintf(" %15s", sv[i] "/ref")
    for (x = 1; x <= nx; x++) line = line sprintf(" %13s", xname[x])
    print line
    for (f = 1; f <= nfig; f++) {
        fig = order[f]
        line = sprintf("%-" fw "s", fig)
        ref = median(fig SUBSEP "reference")
        for (i = 1; i <= ns; i++) line = line sprintf(" %" w[i] "s", fmt(median(fig SUBSEP sv[i])))
        if (hasref) for (i = 1; i <= ns; i++) if (sv[i] != "reference") line = line sprintf(" %15s", ratio(median(fig SUBSEP sv[i]), ref))
        for (x = 1; x <= nx; x++) line = line sprintf(" %13s", ratio(median(fig SUBSEP xnum[x]), median(fig SUBSEP xden[x])))
        print line
    }
    line = sprintf("%-" fw "s", "missing/wrong deliveries, mismatches, errors")
    for (i = 1; i <= ns; i++) line = line sprintf(" %" w[i] "d", bad[sv[i]])
    print line
    if (has("chat-redis")) {
        print "chat-redis = redis-server (append-only, fsync always) and three nodes: a fan-out to N posts on node A and holds"
        print "  N/2 waiters on node B and N/2 on node C; throughput loads spread posters and followers over A, B and C;"
        print "  its CPU and memory are the three nodes' and redis-server's together"
    }
    # Issue 4's targets for durable posts at 64 posters, from the medians above; then the same ratios run by run.
    fig = "durable, 64 posters: posts/s"
    if (nx && (fig SUBSEP "chat-sqlite") in count) {
        m = median(fig SUBSEP "chat-sqlite")
        print ""
        printf "durable posts at 64 posters (issue 4): chat-sqlite %s posts/s (target >= 20000: %s)", fmt(m), (m >= 20000 ? "met" : "missed")
        for (x = 1; x <= nx; x++) {
            r = median(fig SUBSEP xden[x])
            t = xden[x] == "chat-memory" ? 0.8 : 10
            if (r != "" && r > 0) printf ", %.2fx %s (target >= %sx: %s)", m / r, xden[x], t, (m / r >= t ? "met" : "missed")
        }
        print ""
        for (x = 1; x <= nx; x++) {
            line = sprintf("  %s at 64 posters, run by run:", xname[x])
            for (j = 1; j <= nruns; j++) {
                a = ((fig SUBSEP xnum[x], runs[j]) in byrun) ? byrun[fig SUBSEP xnum[x], runs[j]] : ""
                b = ((fig SUBSEP xden[x], runs[j]) in byrun) ? byrun[fig SUBSEP xden[x], runs[j]] : ""
                line = line " " ratio(a, b)
            }
            print line
        }
    }
}
