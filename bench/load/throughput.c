/* throughput: K posters (flat out, or paced at R posts/s in all) and M followers (M may be 0) reading every
   message in order, for T seconds. Texts carry the post's send time, so followers measure post-to-delivery
   latency; every follower's n-th message must hash the same. Each poster also times its own post's
   acknowledgement: from just before the request is written until the whole response is read. The T seconds are
   also cut into --rounds windows, each with its own delivery percentiles (by when the message arrived), so that a
   table can take medians over rounds, as it does for the fan-out: on a shared machine one stall in one second of a
   run is then one round's figure, not the run's. */
#include "load.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

typedef struct {
    int fd, alive;
    int64_t index, pos;          /* follower: next index to poll (chat), messages seen so far */
    int64_t sent;                /* poster: when its outstanding post was written (ns) */
    resp_t r;
    char lm[64], etag[64];
} tconn_t;

typedef struct {
    target_t *t;
    int m, k, ep;
    tconn_t *c;                  /* followers 0..m-1, posters m..m+k-1 */
    uint64_t *seen; size_t seen_cap;
    int64_t deliveries, mismatches, errors, repolls, early;
    samples_t lat, ack;          /* post-to-delivery, post acknowledgement */
    samples_t *rlat;             /* post-to-delivery by round (when the message arrived) */
    int nrounds, counting;
    int64_t start, span;
} tp_t;

static int poll_next(tp_t *p, tconn_t *c)
{
    char req[1024];
    int len = build_get(p->t, req, sizeof req, c->index, c->lm, c->etag);
    resp_reset(&c->r);
    return send_all(c->fd, req, (size_t)len);
}

static int post_one(tp_t *p, tconn_t *c, int poster, int64_t seq)
{
    char text[96], req[1024];
    snprintf(text, sizeof text, "m-%d-%lld-%lld", poster, (long long)seq, (long long)now_ns());
    int len = build_post(p->t, req, sizeof req, text);
    resp_reset(&c->r);
    c->sent = now_ns();
    return send_all(c->fd, req, (size_t)len);
}

/* The n-th message must be the same for every follower: the first to see it records its hash. */
static void check_order(tp_t *p, int64_t pos, uint64_t h)
{
    if ((size_t)pos >= p->seen_cap) {
        size_t cap = p->seen_cap ? p->seen_cap : 65536;
        while (cap <= (size_t)pos) cap *= 2;
        p->seen = realloc(p->seen, cap * sizeof *p->seen);
        memset(p->seen + p->seen_cap, 0, (cap - p->seen_cap) * sizeof *p->seen);
        p->seen_cap = cap;
    }
    h |= 1;
    if (!p->seen[pos]) p->seen[pos] = h; else if (p->seen[pos] != h) p->mismatches++;
}

static void on_follower(tp_t *p, tconn_t *c)
{
    int rc = read_resp(c->fd, &c->r);
    if (rc == 0) return;
    if (rc < 0) { p->errors++; c->alive = 0; epoll_ctl(p->ep, EPOLL_CTL_DEL, c->fd, NULL); return; }
    if (c->r.status == 200) {
        int poster; long long seq, sent;
        int64_t now = now_ns();
        if (sscanf(c->r.body, "m-%d-%lld-%lld", &poster, &seq, &sent) == 3) {
            if (p->counting) {
                samples_add(&p->lat, now - sent);
                int64_t r = (now - p->start) * p->nrounds / p->span;
                samples_add(&p->rlat[r < 0 ? 0 : r >= p->nrounds ? p->nrounds - 1 : r], now - sent);
                p->deliveries++;
            }
        } else p->early++;                       /* a message from before this run */
        check_order(p, c->pos, c->r.hash);
        c->pos++; c->index++;
        snprintf(c->lm, sizeof c->lm, "%s", c->r.last_modified);
        snprintf(c->etag, sizeof c->etag, "%s", c->r.etag);
    } else if (c->r.status == 204 || c->r.status == 304 || c->r.status == 408) p->repolls++;
    else { p->errors++; c->alive = 0; epoll_ctl(p->ep, EPOLL_CTL_DEL, c->fd, NULL); return; }
    if (poll_next(p, c)) { p->errors++; c->alive = 0; }
}

static int pump_followers(void *ctx, int timeout_ms)
{
    tp_t *p = ctx;
    struct epoll_event evs[1024];
    int n = epoll_wait(p->ep, evs, 1024, timeout_ms);
    for (int i = 0; i < n; i++)
        if (evs[i].data.u32 < (uint32_t)p->m) on_follower(p, &p->c[evs[i].data.u32]);
    return 0;
}

int run_throughput(target_t *t, const opts_t *o)
{
    tp_t p = { .t = t, .m = o->followers, .k = o->posters, .nrounds = o->rounds > 0 ? o->rounds : 1 };
    p.rlat = calloc((size_t)p.nrounds, sizeof *p.rlat);
    int64_t k0 = p.m ? probe_count(t) : 0;        /* posters alone need no index */
    if (k0 < 0) { fprintf(stderr, "throughput: could not find the message count\n"); return 1; }
    int total = p.m + p.k, *fds = malloc((size_t)total * sizeof *fds), *idle = malloc((size_t)p.k * sizeof *idle);
    p.c = calloc((size_t)total, sizeof *p.c);
    p.ep = epoll_create1(EPOLL_CLOEXEC);
    target_t post_to = t->post_port ? target_on(t, t->post_port) : *t;   /* posters round robin unless told */
    if (connect_many(t, fds, p.m, o->connect_window) < p.m || connect_many(&post_to, fds + p.m, p.k, o->connect_window) < p.k) {
        fprintf(stderr, "throughput: connect failed\n");
        return 1;
    }
    for (int i = 0; i < total; i++) {
        p.c[i].fd = fds[i]; p.c[i].alive = 1; p.c[i].index = k0;
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(p.ep, EPOLL_CTL_ADD, fds[i], &ev);
        if (i < p.m && poll_next(&p, &p.c[i])) { fprintf(stderr, "throughput: write failed\n"); return 1; }
    }
    if (settle(t, o, total, pump_followers, &p) < 0) return 1;
    int nidle = 0;
    for (int i = 0; i < p.k; i++) idle[nidle++] = p.m + i;
    int64_t posts = 0, post_errors = 0, seq = 0, period = o->rate > 0 ? (int64_t)(1e9 / o->rate) : 0;
    int64_t ticks0 = proc_cpu_ticks(t), cpu0 = cpu_self_ns(), start = now_ns();
    int64_t end = start + (int64_t)o->seconds * 1000000000LL, next_due = start, now;
    p.start = start; p.span = end - start;
    p.counting = 1;
    struct epoll_event evs[1024];
    while ((now = now_ns()) < end) {
        while (nidle && (!period || now >= next_due)) {
            int id = idle[--nidle];
            if (post_one(&p, &p.c[id], id - p.m, seq++)) { fprintf(stderr, "throughput: post failed\n"); return 1; }
            next_due += period;
        }
        int64_t wait = (period && nidle ? (next_due < end ? next_due : end) : end) - now;
        struct timespec ts = { wait / 1000000000LL, wait % 1000000000LL };
        int n = epoll_pwait2(p.ep, evs, 1024, wait > 0 ? &ts : &(struct timespec){ 0, 0 }, NULL);
        for (int i = 0; i < n; i++) {
            uint32_t id = evs[i].data.u32;
            tconn_t *c = &p.c[id];
            if (id < (uint32_t)p.m) { on_follower(&p, c); continue; }
            int rc = read_resp(c->fd, &c->r);
            if (rc < 0) { fprintf(stderr, "throughput: poster connection closed\n"); return 1; }
            if (rc == 0) continue;
            if (c->r.status >= 200 && c->r.status < 300) { posts++; samples_add(&p.ack, now_ns() - c->sent); }
            else post_errors++;
            idle[nidle++] = (int)id;
        }
    }
    int64_t elapsed = now_ns() - start, cpu = cpu_self_ns() - cpu0, ticks = proc_cpu_ticks(t) - ticks0;
    p.counting = 0;
    int64_t min_pos = p.m ? -1 : posts, dead = 0;  /* no followers: no lag */
    for (int i = 0; i < p.m; i++) {
        if (!p.c[i].alive) dead++;
        if (min_pos < 0 || p.c[i].pos < min_pos) min_pos = p.c[i].pos;
    }
    samples_sort(&p.lat);
    samples_sort(&p.ack);
    double secs = elapsed / 1e9;
    printf("{\"mode\":\"throughput\",\"label\":\"%s\",\"proto\":\"%s\",\"nodes\":%d,\"posters\":%d,\"followers\":%d,"
           "\"rate\":%.0f,\"seconds\":%.3f,\"posts\":%lld,\"post_errors\":%lld,\"posts_per_s\":%.1f,"
           "\"deliveries\":%lld,\"deliveries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"mismatches\":%lld,\"follower_errors\":%lld,\"dead_followers\":%lld,\"lag\":%lld,\"repolls\":%lld,"
           "\"foreign\":%lld,\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,\"ack_max_ms\":%.3f,"
           "\"tool_cpu_ms\":%.1f,\"server_cpu_ms\":%lld}\n",
           t->label, t->proto == PROTO_CHAT ? "chat" : "nchan", t->nports, p.k, p.m, o->rate, secs, (long long)posts,
           (long long)post_errors, posts / secs, (long long)p.deliveries, p.deliveries / secs,
           samples_pct_ms(&p.lat, 50), samples_pct_ms(&p.lat, 99), samples_pct_ms(&p.lat, 100),
           (long long)p.mismatches, (long long)p.errors, (long long)dead, (long long)(posts - min_pos),
           (long long)p.repolls, (long long)p.early, samples_pct_ms(&p.ack, 50), samples_pct_ms(&p.ack, 99),
           samples_pct_ms(&p.ack, 100), cpu / 1e6, (long long)ticks * 10);
    char rounds[1024] = "";
    size_t used = 0;
    for (int r = 0; p.m && r < p.nrounds; r++) {
        samples_sort(&p.rlat[r]);
        printf("{\"mode\":\"throughput_round\",\"label\":\"%s\",\"proto\":\"%s\",\"posters\":%d,\"followers\":%d,"
               "\"rate\":%.0f,\"round\":%d,\"seconds\":%.3f,\"deliveries\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
               t->label, t->proto == PROTO_CHAT ? "chat" : "nchan", p.k, p.m, o->rate, r + 1, secs / p.nrounds, p.rlat[r].n,
               samples_pct_ms(&p.rlat[r], 50), samples_pct_ms(&p.rlat[r], 99), samples_pct_ms(&p.rlat[r], 100));
        if (used < sizeof rounds)
            used += (size_t)snprintf(rounds + used, sizeof rounds - used, "%s%.2f", r ? ", " : "", samples_pct_ms(&p.rlat[r], 99));
    }
    fflush(stdout);
    char follow[256] = "";
    if (p.m)
        snprintf(follow, sizeof follow, "%.0f deliveries/s, p50 %.2f ms, p99 %.2f ms, lag %lld, mismatches %lld, ",
                 p.deliveries / secs, samples_pct_ms(&p.lat, 50), samples_pct_ms(&p.lat, 99),
                 (long long)(posts - min_pos), (long long)p.mismatches);
    fprintf(stderr, "  %s throughput %d posters%s, %d followers: %.0f posts/s, post-ack p50 %.2f ms, p99 %.2f ms, "
            "%serrors %lld, tool cpu %.0f ms, server cpu %lld ms in %.1f s\n", t->label, p.k,
            o->rate > 0 ? " (paced)" : "", p.m, posts / secs, samples_pct_ms(&p.ack, 50), samples_pct_ms(&p.ack, 99),
            follow, (long long)(p.errors + post_errors), cpu / 1e6, (long long)ticks * 10, secs);
    if (p.m) fprintf(stderr, "  %s delivery p99 by round (%d of %.1f s): %s ms\n", t->label, p.nrounds, secs / p.nrounds, rounds);
    for (int i = 0; i < total; i++) close(p.c[i].fd);
    close(p.ep);
    for (int r = 0; r < p.nrounds; r++) free(p.rlat[r].v);
    free(p.c); free(fds); free(idle); free(p.seen); free(p.lat.v); free(p.ack.v); free(p.rlat);
    return 0;
}
