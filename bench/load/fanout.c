/* fanout: N held long polls, one post, time until each waiter has the whole response. */
#include "load.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

typedef struct {
    int fd, alive, done;
    int64_t index, t_done;
    resp_t r;
    char lm[64], etag[64];
} waiter_t;

typedef struct {
    target_t *t;
    const opts_t *o;
    int n, ep, post_fd, early, repolls;
    waiter_t *w;
    resp_t post_r;
} fan_t;

static const char *proto_name(const target_t *t) { return t->proto == PROTO_CHAT ? "chat" : "nchan"; }

static int send_poll(fan_t *f, waiter_t *w)
{
    char req[1024];
    int len = build_get(f->t, req, sizeof req, ROOM_SEED, w->index, w->lm, w->etag);
    resp_reset(&w->r);
    w->done = 0;
    return send_all(w->fd, req, (size_t)len);
}

static void drop(fan_t *f, waiter_t *w, const char *why)
{
    fprintf(stderr, "fanout: waiter %d dropped: %s\n", (int)(w - f->w), why);
    epoll_ctl(f->ep, EPOLL_CTL_DEL, w->fd, NULL);
    close(w->fd);
    w->alive = 0;
}

/* A waiter that got a message moves on: the next index, or nchan's validators of what it got. */
static void advance(waiter_t *w)
{
    w->index++;
    snprintf(w->lm, sizeof w->lm, "%s", w->r.last_modified);
    snprintf(w->etag, sizeof w->etag, "%s", w->r.etag);
}

/* How each server ends a poll that timed out: the seed's 204, nchan's 408 (or 304). */
static int is_poll_timeout(int status) { return status == 204 || status == 304 || status == 408; }

/* Between rounds: any answer now is early. A poll timeout (204, nchan 408/304) is polled again. */
static int pump_idle(void *ctx, int timeout_ms)
{
    fan_t *f = ctx;
    struct epoll_event evs[1024];
    int k = epoll_wait(f->ep, evs, 1024, timeout_ms);
    for (int i = 0; i < k; i++) {
        if (evs[i].data.u32 >= (uint32_t)f->n) { fprintf(stderr, "fanout: post connection spoke or closed\n"); return -1; }
        waiter_t *w = &f->w[evs[i].data.u32];
        int rc = read_resp(w->fd, &w->r);
        if (rc < 0) { drop(f, w, "closed while held"); continue; }
        if (rc == 0) continue;
        if (is_poll_timeout(w->r.status)) f->repolls++;
        else if (w->r.status == 200) { f->early++; advance(w); }
        else { drop(f, w, "answered neither 200 nor a poll timeout"); continue; }
        if (send_poll(f, w)) drop(f, w, "write failed");
    }
    return 0;
}

static int alive_count(const fan_t *f)
{
    int a = 0;
    for (int i = 0; i < f->n; i++) a += f->w[i].alive;
    return a;
}

/* One post, timed from just before it is written until each waiter has its whole response. */
static int fan_round(fan_t *f, int round, int warmup, int settle_ms, samples_t *lat)
{
    char text[96], req[1024];
    int64_t now0 = now_ns();
    snprintf(text, sizeof text, "fanout-%d-%d-%lld", getpid(), round, (long long)(now0 % 1000000007));
    uint64_t want = fnv1a(text, strlen(text));
    int len = build_post(f->t, req, sizeof req, ROOM_SEED, text), expect = alive_count(f), got = 0, wrong = 0, post_done = 0;
    resp_reset(&f->post_r);
    lat->n = 0;
    int64_t ticks0 = proc_cpu_ticks(f->t), cpu0 = cpu_self_ns(), t0 = now_ns(), post_ack = -1;
    if (send_all(f->post_fd, req, (size_t)len)) { fprintf(stderr, "fanout: post failed\n"); return -1; }
    int64_t deadline = t0 + (int64_t)f->o->round_timeout_s * 1000000000LL;
    struct epoll_event evs[1024];
    while ((got < expect || !post_done) && now_ns() < deadline) {
        int k = epoll_wait(f->ep, evs, 1024, 100);
        for (int i = 0; i < k; i++) {
            uint32_t id = evs[i].data.u32;
            if (id == (uint32_t)f->n) {
                int rc = read_resp(f->post_fd, &f->post_r);
                if (rc < 0) { fprintf(stderr, "fanout: post connection closed\n"); return -1; }
                if (rc == 1) { post_done = 1; post_ack = now_ns() - t0; }
                continue;
            }
            waiter_t *w = &f->w[id];
            if (!w->alive || w->done) continue;
            int rc = read_resp(w->fd, &w->r);
            if (rc == 0) continue;
            if (rc < 0) { drop(f, w, "closed during round"); continue; }
            if (is_poll_timeout(w->r.status)) {          /* its poll ran out just now: poll again */
                f->repolls++;
                if (send_poll(f, w)) drop(f, w, "write failed");
                continue;
            }
            w->done = 1; w->t_done = now_ns(); got++;
            samples_add(lat, w->t_done - t0);
            if (w->r.status != 200 || w->r.hash != want) wrong++;
        }
    }
    int64_t cpu = cpu_self_ns() - cpu0, ticks = proc_cpu_ticks(f->t) - ticks0;
    if (f->post_r.status < 200 || f->post_r.status > 299)
        fprintf(stderr, "fanout: post answered %d\n", f->post_r.status);
    samples_sort(lat);
    printf("{\"mode\":\"fanout\",\"label\":\"%s\",\"proto\":\"%s\",\"nodes\":%d,\"waiters\":%d,\"round\":%d,\"warmup\":%s,"
           "\"delivered\":%d,\"missing\":%d,\"wrong\":%d,\"first_ms\":%.3f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"last_ms\":%.3f,\"post_ack_ms\":%.3f,\"tool_cpu_ms\":%.1f,\"server_cpu_ms\":%lld,\"settle_ms\":%d,"
           "\"early\":%d,\"repolls\":%d}\n",
           f->t->label, proto_name(f->t), f->t->nports, expect, round, warmup ? "true" : "false", got, expect - got, wrong,
           samples_pct_ms(lat, 0), samples_pct_ms(lat, 50), samples_pct_ms(lat, 99), samples_pct_ms(lat, 100),
           post_ack / 1e6, cpu / 1e6, (long long)ticks * 10, settle_ms, f->early, f->repolls);
    fflush(stdout);
    fprintf(stderr, "  %s round %d%s: %d waiters, p50 %.2f ms, p99 %.2f ms, last %.2f ms, tool cpu %.1f ms%s\n",
            f->t->label, round, warmup ? " (warm-up)" : "", got, samples_pct_ms(lat, 50), samples_pct_ms(lat, 99),
            samples_pct_ms(lat, 100), cpu / 1e6, wrong || got < expect ? "  << WRONG OR MISSING" : "");
    /* Waiters that never answered are out of step with the log: drop them. */
    for (int i = 0; i < f->n; i++) {
        waiter_t *w = &f->w[i];
        if (w->alive && !w->done) drop(f, w, "no answer this round");
        else if (w->alive) advance(w);
    }
    return 0;
}

/* Bytes per waiter: growth since "before" over the waiters held (or, after they left, that were held). */
static void print_mem(fan_t *f, const char *phase, int64_t rss, int64_t pss, int64_t rss0, int64_t pss0)
{
    int held = alive_count(f) ? alive_count(f) : f->n;
    printf("{\"mode\":\"memory\",\"label\":\"%s\",\"proto\":\"%s\",\"phase\":\"%s\",\"waiters\":%d,"
           "\"rss\":%lld,\"pss\":%lld,\"rss_per_waiter\":%.0f,\"pss_per_waiter\":%.0f}\n",
           f->t->label, proto_name(f->t), phase, held, (long long)rss, (long long)pss,
           held ? (double)(rss - rss0) / held : 0.0, held ? (double)(pss - pss0) / held : 0.0);
    fprintf(stderr, "  %s memory %s: rss %.1f MB, pss %.1f MB, %.0f B rss / %.0f B pss per held waiter\n",
            f->t->label, phase, rss / 1e6, pss / 1e6, held ? (double)(rss - rss0) / held : 0.0,
            held ? (double)(pss - pss0) / held : 0.0);
}

/* --heap CMD: the server's live heap bytes, walked by "CMD <phase>" (bench/heap: a gcdump, which forces a full GC), or
   -1. Called where memory is read, never inside a round, so the walk's time and its GC count in no latency. */
static int64_t heap_bytes(const opts_t *o, const char *phase)
{
    char cmd[4096];
    long long v = -1;
    if ((size_t)snprintf(cmd, sizeof cmd, "%s %s", o->heap_cmd, phase) >= sizeof cmd) return -1;
    fflush(stdout);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    if (fscanf(p, "%lld", &v) != 1) v = -1;
    if (pclose(p) != 0) v = -1;
    if (v < 0) fprintf(stderr, "fanout: '%s' gave no heap figure\n", cmd);
    return v;
}

/* Live heap bytes per waiter: growth since "before" over the waiters held. */
static void print_heap(fan_t *f, const char *phase, int64_t heap, int64_t heap0)
{
    int held = alive_count(f) ? alive_count(f) : f->n;
    double per = (double)(heap - heap0) / held;
    printf("{\"mode\":\"heap\",\"label\":\"%s\",\"proto\":\"%s\",\"phase\":\"%s\",\"waiters\":%d,\"heap\":%lld,"
           "\"heap_per_waiter\":%.0f}\n", f->t->label, proto_name(f->t), phase, held, (long long)heap, per);
    fflush(stdout);
    fprintf(stderr, "  %s live heap %s: %.1f MB, %.0f B per held waiter\n", f->t->label, phase, heap / 1e6, per);
}

int run_fanout(target_t *t, const opts_t *o)
{
    fan_t f = { .t = t, .o = o, .n = o->waiters };
    int64_t k = probe_count(t, ROOM_SEED);
    if (k < 0) { fprintf(stderr, "fanout: could not find the message count\n"); return 1; }
    f.w = calloc((size_t)f.n, sizeof *f.w);
    int *fds = malloc((size_t)f.n * sizeof *fds);
    f.ep = epoll_create1(EPOLL_CLOEXEC);
    target_t post_to = t->post_port ? target_on(t, t->post_port) : *t;
    if ((f.post_fd = connect_blocking(&post_to)) < 0) return 1;
    /* The walk before PSS's baseline: its GC and its session's memory then sit in the baseline, not in the growth. */
    int64_t heap0 = o->heap_cmd ? heap_bytes(o, "before") : -1, heap;
    if (heap0 >= 0) print_heap(&f, "before", heap0, heap0);
    int64_t rss0 = 0, pss0 = 0, rss, pss;
    int mem = t->npids && proc_mem(t, &rss0, &pss0) == 0;
    if (mem) print_mem(&f, "before", rss0, pss0, rss0, pss0);
    int64_t c0 = now_ns();
    int open = connect_many(t, fds, f.n, o->connect_window);
    if (open < f.n) { fprintf(stderr, "fanout: only %d of %d connections\n", open, f.n); return 1; }
    for (int i = 0; i < f.n; i++) {
        waiter_t *w = &f.w[i];
        w->fd = fds[i]; w->alive = 1; w->index = k;
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(f.ep, EPOLL_CTL_ADD, w->fd, &ev);
        if (send_poll(&f, w)) drop(&f, w, "write failed");
    }
    struct epoll_event pev = { .events = EPOLLIN, .data.u32 = (uint32_t)f.n };
    epoll_ctl(f.ep, EPOLL_CTL_ADD, f.post_fd, &pev);
    fprintf(stderr, "  %s: %d connections opened and polling in %.0f ms (%s) on %d node(s), posts to port %d\n",
            t->label, f.n, (now_ns() - c0) / 1e6, t->proto == PROTO_CHAT ? "GET /chat/get/count" : "nchan: newest",
            t->nports, post_to.port);
    int settled = settle(t, o, f.n + 1, pump_idle, &f);
    if (settled < 0) return 1;
    if (mem && proc_mem(t, &rss, &pss) == 0) print_mem(&f, "holding", rss, pss, rss0, pss0);
    if (heap0 >= 0 && (heap = heap_bytes(o, "holding")) >= 0) {
        print_heap(&f, "holding", heap, heap0);
        if ((settled = settle(t, o, alive_count(&f) + 1, pump_idle, &f)) < 0) return 1;   /* quiet again after the walk */
    }
    samples_t lat = { 0 }, last = { 0 };
    int rounds = o->warmup + o->rounds;
    for (int r = 0; r < rounds; r++) {
        if (fan_round(&f, r, r < o->warmup, settled, &lat)) return 1;
        if (r >= o->warmup && lat.n) samples_add(&last, lat.v[lat.n - 1]);
        for (int i = 0; i < f.n; i++)
            if (f.w[i].alive && send_poll(&f, &f.w[i])) drop(&f, &f.w[i], "write failed");
        if ((settled = settle(t, o, alive_count(&f) + 1, pump_idle, &f)) < 0) return 1;
    }
    samples_sort(&last);
    fprintf(stderr, "  %s fan-out to %d: last waiter %.2f ms (median of %zu rounds; best %.2f, worst %.2f)\n",
            t->label, f.n, samples_pct_ms(&last, 50), last.n, samples_pct_ms(&last, 0), samples_pct_ms(&last, 100));
    free(last.v);
    if (mem && proc_mem(t, &rss, &pss) == 0) print_mem(&f, "holding_after_rounds", rss, pss, rss0, pss0);
    for (int i = 0; i < f.n; i++)
        if (f.w[i].alive) { close(f.w[i].fd); f.w[i].alive = 0; }
    if (mem) {
        settle(t, o, 1, pump_idle, &f);
        if (proc_mem(t, &rss, &pss) == 0) print_mem(&f, "after", rss, pss, rss0, pss0);
    }
    close(f.post_fd);
    close(f.ep);
    free(lat.v); free(f.w); free(fds);
    return 0;
}
