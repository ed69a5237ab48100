# bench/report.awk: medians of the raw JSON lines of bench/run, one row per figure, one column per server,
# then each server's ratio to plain Kestrel ("reference"), when it ran. Memory rows come from the fan-out load named
# memload. When chat-sqlite ran beside chat-sqlite-1tx or chat-memory, two more columns: its ratio to each (group
# commit against one transaction per post, durable against in-memory), and under the table the issue-4 targets
# for the durable load at 64 posters, with the ratios of each run (the servers of one run ran one after another).
# Throughput loads give a whole-run row (medians of the runs' figures) and a row of medians over every run's rounds
# (the tool's --rounds windows), like the fan-out's: on a shared machine, a stall lands in one round.
# Every throughput load with followers also gives the server's CPU per 1,000 deliveries (its CPU ms in the run over
# deliveries / 1,000). With chat-sqlite beside nchan or floor (bench/floor, the C floor), columns sqlite/nchan and
# sqlite/floor, and under the table the targets of issue 19 whose servers ran, each met or not; then those of issue 29
# (chat-sqlite against nchan, the floor and chat-protected, memory per held poll by PSS and by heap walk). Each chat-redis-*
# server (a replica, a Redis Cluster) beside chat-redis gets a column of its ratio to chat-redis (one redis-server),
# and under the table those ratios run by run for the durable load at 64 posters.
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
    } else if (mode == "heap" && get($0, "phase") == "holding" && load == memload) {   # bench/heap: live managed bytes
        add("memory per held waiter at " load ": heap bytes", s, get($0, "heap_per_waiter"))
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
        # Fell behind: a median delivery over 10 ms (a server that keeps up delivers in about 1), its slowest
        # follower ending the run more than 0.1 s of posts short, or a stall (a p99 over 50 ms: one that keeps up has
        # a few). Its figures are then a saturated or stopped server's.
        runs_of[load, s]++
        if (get($0, "p50_ms") + 0 > 10 || get($0, "lag") + 0 > get($0, "rate") / 10 + 1 || get($0, "p99_ms") + 0 > 50) behind[load, s]++
        add(load ": post-to-delivery p50 ms, whole run", s, get($0, "p50_ms"))
        add(load ": post-to-delivery p99 ms, whole run", s, get($0, "p99_ms"))
        # How long a post waited before its fan-out began (to its first follower), apart from the fan-out's length.
        if (get($0, "first_p99_ms") != "") {
            add(load ": post to its first follower p50 ms", s, get($0, "first_p50_ms"))
            add(load ": post to its first follower p99 ms", s, get($0, "first_p99_ms"))
        }
        # What a delivery costs the server (its CPU in the run, from /proc in 10 ms ticks); medians over runs.
        if (get($0, "deliveries") > 0)
            add(load ": server CPU ms per 1,000 deliveries", s, get($0, "server_cpu_ms") / (get($0, "deliveries") / 1000))
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
    nx4 = nx   # the columns issue 4's block below is about
    # Issue 19 holds chat-sqlite against nginx + nchan and against the C floor.
    if (has("chat-sqlite") && has("nchan")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "nchan"; xname[nx] = "sqlite/nchan" }
    if (has("chat-sqlite") && has("floor")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "floor"; xname[nx] = "sqlite/floor" }
    nx19 = nx
    # Issue 29: the held-poll path (Host/Transport) against the same Host with it off.
    if (has("chat-sqlite") && has("chat-kestrel")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "chat-kestrel"; xname[nx] = "sqlite/kestrel" }
    # A change against the build before it (chat-before).
    if (has("chat-sqlite") && has("chat-before")) { xnum[++nx] = "chat-sqlite"; xden[nx] = "chat-before"; xname[nx] = "sqlite/before" }
    # Issue 31: a replica, a Redis Cluster, each over one redis-server.
    if (has("chat-redis"))
        for (i = 1; i <= ns; i++)
            if (sv[i] ~ /^chat-redis-/) { xnum[++nx] = sv[i]; xden[nx] = "chat-redis"; xname[nx] = substr(sv[i], 12) "/redis" }
    for (x = 1; x <= nx; x++) xw[x] = length(xname[x]) > 13 ? length(xname[x]) : 13
    fw = 48
    for (f = 1; f <= nfig; f++) if (length(order[f]) > fw) fw = length(order[f])
    line = sprintf("%-" fw "s", "figure (median)")
    for (i = 1; i <= ns; i++) { w[i] = length(sv[i]) > 12 ? length(sv[i]) : 12; line = line sprintf(" %" w[i] "s", sv[i]) }
    if (hasref) for (i = 1; i <= ns; i++) if (sv[i] != "reference") line = line sprintf(" %15s", sv[i] "/ref")
    for (x = 1; x <= nx; x++) line = line sprintf(" %" xw[x] "s", xname[x])
    print line
    for (f = 1; f <= nfig; f++) {
        fig = order[f]
        line = sprintf("%-" fw "s", fig)
        ref = median(fig SUBSEP "reference")
        for (i = 1; i <= ns; i++) line = line sprintf(" %" w[i] "s", fmt(median(fig SUBSEP sv[i])))
        if (hasref) for (i = 1; i <= ns; i++) if (sv[i] != "reference") line = line sprintf(" %15s", ratio(median(fig SUBSEP sv[i]), ref))
        for (x = 1; x <= nx; x++) line = line sprintf(" %" xw[x] "s", ratio(median(fig SUBSEP xnum[x]), median(fig SUBSEP xden[x])))
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
    if (has("chat-redis-replica"))
        print "chat-redis-replica = the same with a replica of the redis-server, Redis:Replicas=1 (a post waits for WAIT 1)"
    if (has("chat-redis-cluster") || has("chat-redis-cluster-async")) {
        print "chat-redis-cluster = a Redis Cluster (3 masters, 3 replicas; AOF, fsync always) under the same three nodes,"
        print "  Redis:Replicas=1 (a post waits for WAIT 1); chat-redis-cluster-async: Redis:Replicas=0; CPU and memory are all nine processes'"
    }
    redis_runs()
    # Issue 4's targets for durable posts at 64 posters, from the medians above; then the same ratios run by run.
    fig = "durable, 64 posters: posts/s"
    if (nx4 && (fig SUBSEP "chat-sqlite") in count) {
        m = median(fig SUBSEP "chat-sqlite")
        print ""
        printf "durable posts at 64 posters (issue 4): chat-sqlite %s posts/s (target >= 20000: %s)", fmt(m), (m >= 20000 ? "met" : "missed")
        for (x = 1; x <= nx4; x++) {
            r = median(fig SUBSEP xden[x])
            t = xden[x] == "chat-memory" ? 0.8 : 10
            if (r != "" && r > 0) printf ", %.2fx %s (target >= %sx: %s)", m / r, xden[x], t, (m / r >= t ? "met" : "missed")
        }
        print ""
        for (x = 1; x <= nx4; x++) {
            line = sprintf("  %s at 64 posters, run by run:", xname[x])
            for (j = 1; j <= nruns; j++) {
                a = ((fig SUBSEP xnum[x], runs[j]) in byrun) ? byrun[fig SUBSEP xnum[x], runs[j]] : ""
                b = ((fig SUBSEP xden[x], runs[j]) in byrun) ? byrun[fig SUBSEP xden[x], runs[j]] : ""
                line = line " " ratio(a, b)
            }
            print line
        }
    }
    issue19()
    issue29()
}
# The chat-redis-* ratios to chat-redis at 64 durable posters (one room or several), run by run: their spread.
function redis_runs(    f, fig, x, j, a, b, line) {
    for (f = 1; f <= nfig; f++) {
        fig = order[f]
        if (fig !~ /^durable, 64 posters(, [0-9]+ rooms)?: posts\/s$/) continue
        for (x = nx19 + 1; x <= nx; x++) {
            line = sprintf("  %s, %s, run by run:", substr(fig, 1, length(fig) - 9), xname[x])
            for (j = 1; j <= nruns; j++) {
                a = ((fig SUBSEP xnum[x], runs[j]) in byrun) ? byrun[fig SUBSEP xnum[x], runs[j]] : ""
                b = ((fig SUBSEP xden[x], runs[j]) in byrun) ? byrun[fig SUBSEP xden[x], runs[j]] : ""
                line = line " " ratio(a, b)
            }
            print line
        }
    }
}
# Each block of targets ("targets of issue N") prints its header before its first line, and nothing when no line.
function header() { if (!(block in headed)) { headed[block] = 1; print ""; print "targets of issue " block " (ratios of the medians above):" } }
# One target: the ratio of two servers' medians of fig against a limit ("<=", "<" or ">="); nothing when either is
# missing (that server or that load did not run). Leaves "met", "NOT MET", "no verdict" (moot: the reference's
# medians are a saturated server's) or "" (not shown) in verdict.
function target(what, fig, a, b, op, limit, note, moot,    x, y, r, ok) {
    verdict = ""
    x = median(fig SUBSEP a); y = median(fig SUBSEP b)
    if (x == "" || y == "" || y == 0) return
    r = x / y
    ok = op == "<=" ? r <= limit : op == "<" ? r < limit : r >= limit
    verdict = moot ? "no verdict" : ok ? "met" : "NOT MET"
    header()
    printf "  %-60s %.2fx (%s %s, %s %s; target %s %sx) %s%s\n", what, r, a, fmt(x), b, fmt(y), op, limit, note, verdict
}
# The paced load against nchan: delivery p50 and p99 at most nchan's, CPU per delivery at most cpu x nchan's. Runs
# in which either fell behind are named on each line; with nchan behind in most runs, its medians are no reference.
function paced_vs_nchan(cpu,    paced, note, moot) {
    paced = "paced 500 posts/s to 100 followers"
    note = fell_behind(paced, "nchan") fell_behind(paced, "chat-sqlite")
    moot = 2 * behind[paced, "nchan"] > runs_of[paced, "nchan"]
    target("paced delivery p50 (median of rounds), chat-sqlite / nchan", paced ": post-to-delivery p50 ms, median of rounds", "chat-sqlite", "nchan", "<=", 1, note, moot)
    target("paced delivery p99 (median of rounds), chat-sqlite / nchan", paced ": post-to-delivery p99 ms, median of rounds", "chat-sqlite", "nchan", "<=", 1, note, moot)
    target("paced server CPU per 1,000 deliveries, chat-sqlite / nchan", paced ": server CPU ms per 1,000 deliveries", "chat-sqlite", "nchan", "<=", cpu, note, moot)
}
function fell_behind(load, s) { return behind[load, s] ? "[" s " fell behind in " behind[load, s] " of " runs_of[load, s] " runs] " : "" }
# The last waiter of the fan-out to 15,000: at most 1.3x the floor's, below nchan's. A run without 15,000 waiters
# (--quick) shows its largest fan-out, marked.
function fanout_last(    n, at, fig) {
    n = ("fan-out to 15000: last ms" SUBSEP "chat-sqlite") in count ? 15000 : memload
    at = n == 15000 ? "" : "[at " n " waiters, not 15000] "
    fig = "fan-out to " n ": last ms"
    target("fan-out to 15000, last waiter, chat-sqlite / floor", fig, "chat-sqlite", "floor", "<=", 1.3, at)
    target("fan-out to 15000, last waiter, chat-sqlite / nchan", fig, "chat-sqlite", "nchan", "<", 1, at)
}
# chat-sqlite's memory per held poll at the largest fan-out, by kind ("PSS" or "heap"), at most limit bytes.
function memory(kind, limit,    m) {
    m = median("memory per held waiter at " memload ": " kind " bytes" SUBSEP "chat-sqlite")
    if (m == "") return
    header()
    printf "  %-60s %s B (target <= %s B) %s%s\n", "memory per held poll at 15000 (" kind "), chat-sqlite", fmt(m), limit, (memload == 15000 ? "" : "[at " memload " waiters, not 15000] "), m <= limit ? "met" : "NOT MET"
}
# Issue 19's durable verdicts are kept in durable[1..3] for issue 29's line.
function issue19() {
    if (!has("chat-sqlite")) return
    block = 19
    paced_vs_nchan(1.2)
    fanout_last()
    target("durable posts/s at 1 poster, chat-sqlite / reference", "durable, 1 poster: posts/s", "chat-sqlite", "reference", ">=", 0.8)
    durable[1] = verdict
    target("durable posts/s at 4 posters, chat-sqlite / reference", "durable, 4 posters: posts/s", "chat-sqlite", "reference", ">=", 0.8)
    durable[2] = verdict
    target("durable posts/s at 64 posters, chat-sqlite / chat-memory", "durable, 64 posters: posts/s", "chat-sqlite", "chat-memory", ">=", 0.8)
    durable[3] = verdict
    memory("PSS", 5120)
}
# Issue 29 (round 3): issue 19's paced and fan-out targets with CPU per delivery at most nchan's, memory per held poll
# at most 4 KiB by PSS and by heap walk, a protected room's poll at most 1.2x an open room's CPU, and issue 19's
# durable targets (printed above) still met.
function issue29(    i, shown, met) {
    if (!has("chat-sqlite")) return
    block = 29
    paced_vs_nchan(1)
    fanout_last()
    memory("PSS", 4096)
    memory("heap", 4096)
    target("paced CPU per 1,000 deliveries, chat-protected / chat-sqlite", "paced 500 posts/s to 100 followers: server CPU ms per 1,000 deliveries", "chat-protected", "chat-sqlite", "<=", 1.2)
    for (i = 1; i <= 3; i++) if (durable[i] != "") { shown++; met += durable[i] == "met" }
    if (shown) {
        header()
        printf "  %-60s %d of %d met (issue 19's lines above) %s\n", "durable posts/s at issue 19's targets, chat-sqlite", met, shown, met == shown ? "met" : "NOT MET"
    }
}
