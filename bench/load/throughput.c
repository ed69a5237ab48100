/* throughput: K posters (flat out, or paced at R posts/s in all) and M followers (M may be 0) reading every
   message in order, for T seconds. Texts carry the post's send time, so followers measure post-to-delivery
   latency; every follower's n-th message must hash the same. Each poster also times its own post's
   acknowledgement: from just before the request is written until the whole response is read. The T seconds are
   also cut into --rounds windows, each with its own delivery percentiles (by when the message arrived), so that a
   table can take medians over rounds, as it does for the fan-out: on a shared machine one stall in one second of a
   run is then one round's figure, not the run's. With --rooms N, poster i posts to room i % N and follower j follows
   room j % N (/rooms/r<k>/...), each room's sequence checked on its own; with 1 (the default), the seed's /chat/... */
#include "load.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

typedef struct {
    int fd, alive, room;         /* room: ROOM_SEED or k of --rooms */
    int64_t index, pos;          /* follower: next index to poll (chat), messages seen so far */
    int64_t sent;                /* poster: when its outstanding post was written (ns) */
    resp_t r;
    char lm[64], etag[64];
} tconn_t;

/* One room as the load sees it: its count when the run began, the posts acknowledged in it, and the hash of the
   body at each position (the first follower to read a position records it). */
typedef struct {
    int64_t start, posts;
    uint64_t *seen; size_t seen_cap;
} troom_t;

typedef struct {
    target_t *t;
    int m, k, ep, nrooms;
    tconn_t *c;                  /* followers 0..m-1, posters m..m+k-1 */
    troom_t *rooms;              /* nrooms; the seed's room is rooms[0] */
    int64_t deliveries, mismatches, errors, repolls, early;
    samples_t lat, ack;          /* post-to-delivery, post acknowledgement */
    samples_t first;             /* post to its first follower: the wait before a fan-out, apart from its length */
    samples_t *rlat;             /* post-to-delivery by round (when the message arrived) */
    int nrounds, counting;
    int64_t start, span;
} tp_t;

/* Follower or poster i's room: the seed's with one room, else i % rooms. */
static int room_of(const tp_t *p, int i) { return p->nrooms > 1 ? i % p->nrooms : ROOM_SEED; }
static troom_t *room_at(tp_t *p, int room) { return &p->rooms[room == ROOM_SEED ? 0 : room]; }

static int poll_next(tp_t *p, tconn_t *c)
{
    char req[1024];
    int len = build_get(p->t, req, sizeof req, c->room, c->index, c->lm, c->etag);
    resp_reset(&c->r);
    return send_all(c->fd, req, (size_t)len);
}

static int post_one(tp_t *p, tconn_t *c, int poster, int64_t seq)
{
    char text[96], req[1024];
    snprintf(text, sizeof text, "m-%d-%lld-%lld", poster, (long long)seq, (long long)now_ns());
    int len = build_post(p->t, req, sizeof req, c->room, text);
    resp_reset(&c->r);
    c->sent = now_ns();
    return send_all(c->fd, req, (size_t)len);
}

/* A room's n-th message must be the same for every follower of it: the first to see it records its hash (and says
   so). */
static int check_order(tp_t *p, troom_t *room, int64_t pos, uint64_t h)
{
    if ((size_t)pos >= room->seen_cap) {
        size_t cap = room->seen_cap ? room->seen_cap : 65536;
        while (cap <= (size_t)pos) cap *= 2;
        room->seen = realloc(room->seen, cap * sizeof *room->seen);
        memset(room->seen + room->seen_cap, 0, (cap - room->seen_cap) * sizeof *room->seen);
        room->seen_cap = cap;
    }
    h |= 1;
    if (!room->seen[pos]) { room->seen[pos] = h; return 1; }
    if (room->seen[pos] != h) p->mismatches++;
    return 0;
}

static void on_follower(tp_t *p, tconn_t *c)
{
    int rc = read_resp(c->fd, &c->r);
    if (rc == 0) return;
    if (rc < 0) { p->errors++; c->alive = 0; epoll_ctl(p->ep, EPOLL_CTL_DEL, c->fd, NULL); return; }
    if (c->r.status == 200) {
        int poster, counted = 0; long long seq, sent;
        int64_t now = now_ns();
        if (sscanf(c->r.body, "m-%d-%lld-%lld", &poster, &seq, &sent) == 3) {
            if (p->counting) {
                counted = 1;
                samples_add(&p->lat, now - sent);
                int64_t r = (now - p->start) * p->nrounds / p->span;
                samples_add(&p->rlat[r < 0 ? 0 : r >= p->nrounds ? p->nrounds - 1 : r], now - sent);
                p->deliveries++;
            }
        } else p->early++;                       /* a message from before this run */
        if (check_order(p, room_at(p, c->room), c->pos, c->r.hash) && counted) samples_add(&p->first, now - sent);
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

/* Posters waiting for their turn (paced) or for nothing (flat out: none wait). One room: the last to be answered
   posts next, as ever; several: the one idle longest, so that a paced load, which keeps few posters busy, still
   posts to every poster's room. */
typedef struct { int *id, head, n, cap, fifo; } idle_t;

static void idle_push(idle_t *q, int id) { q->id[(q->head + q->n++) % q->cap] = id; }

static int idle_pop(idle_t *q)
{
    if (!q->fifo) return q->id[(q->head + --q->n) % q->cap];
    int id = q->id[q->head];
    q->head = (q->head + 1) % q->cap; q->n--;
    return id;
}

/* Every followed room's count (posters alone need no index). */
static int probe_rooms(tp_t *p)
{
    for (int i = 0; i < p->m && i < p->nrooms; i++) {
        troom_t *room = room_at(p, room_of(p, i));
        if ((room->start = probe_count(p->t, room_of(p, i))) < 0) return -1;
    }
    return 0;
}

/* Posts acknowledged in a room minus its slowest follower's position, the largest over the followed rooms (one
   room: exactly that); 0 without followers. */
static int64_t lag(tp_t *p)
{
    int64_t worst = 0;
    for (int r = 0; r < p->m && r < p->nrooms; r++) {
        int64_t min_pos = -1;
        for (int i = r; i < p->m; i += p->nrooms)
            if (min_pos < 0 || p->c[i].pos < min_pos) min_pos = p->c[i].pos;
        int64_t behind = room_at(p, room_of(p, r))->posts - min_pos;
        if (r == 0 || behind > worst) worst = behind;
    }
    return worst;
}

int run_throughput(target_t *t, const opts_t *o)
{
    tp_t p = { .t = t, .m = o->followers, .k = o->posters, .nrounds = o->rounds > 0 ? o->rounds : 1,
               .nrooms = o->rooms > 1 ? o->rooms : 1 };
    p.rlat = calloc((size_t)p.nrounds, sizeof *p.rlat);
    p.rooms = calloc((size_t)p.nrooms, sizeof *p.rooms);
    if (probe_rooms(&p) < 0) { fprintf(stderr, "throughput: could not find the message count\n"); return 1; }
    int total = p.m + p.k, *fds = malloc((size_t)total * sizeof *fds);
    idle_t idle = { .id = malloc((size_t)p.k * sizeof *idle.id), .cap = p.k, .fifo = p.nrooms > 1 };
    p.c = calloc((size_t)total, sizeof *p.c);
    p.ep = epoll_create1(EPOLL_CLOEXEC);
    target_t post_to = t->post_port ? target_on(t, t->post_port) : *t;   /* posters round robin unless told */
    if (connect_many(t, fds, p.m, o->connect_window) < p.m || connect_many(&post_to, fds + p.m, p.k, o->connect_window) < p.k) {
        fprintf(stderr, "throughput: connect failed\n");
        return 1;
    }
    for (int i = 0; i < total; i++) {
        p.c[i].fd = fds[i]; p.c[i].alive = 1;
        p.c[i].room = room_of(&p, i < p.m ? i : i - p.m);
        p.c[i].index = room_at(&p, p.c[i].room)->start;
        struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(p.ep, EPOLL_CTL_ADD, fds[i], &ev);
        if (i < p.m && poll_next(&p, &p.c[i])) { fprintf(stderr, "throughput: write failed\n"); return 1; }
    }
    if (settle(t, o, total, pump_followers, &p) < 0) return 1;
    for (int i = 0; i < p.k; i++) idle_push(&idle, p.m + i);
    int64_t posts = 0, post_errors = 0, seq = 0, period = o->rate > 0 ? (int64_t)(1e9 / o->rate) : 0;
    int64_t ticks0 = proc_cpu_ticks(t), cpu0 = cpu_self_ns(), start = now_ns();
    int64_t end = start + (int64_t)o->seconds * 1000000000LL, next_due = start, now;
    p.start = start; p.span = end - start;
    p.counting = 1;
    struct epoll_event evs[1024];
    while ((now = now_ns()) < end) {
        while (idle.n && (!period || now >= next_due)) {
            int id = idle_pop(&idle);
            if (post_one(&p, &p.c[id], id - p.m, seq++)) { fprintf(stderr, "throughput: post failed\n"); return 1; }
            next_due += period;
        }
        int64_t wait = (period && idle.n ? (next_due < end ? next_due : end) : end) - now;
        struct timespec ts = { wait / 1000000000LL, wait % 1000000000LL };
        int n = epoll_pwait2(p.ep, evs, 1024, wait > 0 ? &ts : &(struct timespec){ 0, 0 }, NULL);
        for (int i = 0; i < n; i++) {
            uint32_t id = evs[i].data.u32;
            tconn_t *c = &p.c[id];
            if (id < (uint32_t)p.m) { on_follower(&p, c); continue; }
            int rc = read_resp(c->fd, &c->r);
            if (rc < 0) { fprintf(stderr, "throughput: poster connection closed\n"); return 1; }
            if (rc == 0) continue;
            if (c->r.status >= 200 && c->r.status < 300) {
                posts++; room_at(&p, c->room)->posts++;
                samples_add(&p.ack, now_ns() - c->sent);
            }
            else post_errors++;
            idle_push(&idle, (int)id);
        }
    }
    int64_t elapsed = now_ns() - start, cpu = cpu_self_ns() - cpu0, ticks = proc_cpu_ticks(t) - ticks0;
    p.counting = 0;
    int64_t behind = lag(&p), dead = 0;
    for (int i = 0; i < p.m; i++) dead += !p.c[i].alive;
    samples_sort(&p.lat);
    samples_sort(&p.ack);
    samples_sort(&p.first);
    double secs = elapsed / 1e9;
    printf("{\"mode\":\"throughput\",\"label\":\"%s\",\"proto\":\"%s\",\"nodes\":%d,\"posters\":%d,\"followers\":%d,\"rooms\":%d,"
           "\"rate\":%.0f,\"seconds\":%.3f,\"posts\":%lld,\"post_errors\":%lld,\"posts_per_s\":%.1f,"
           "\"deliveries\":%lld,\"deliveries_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
           "\"first_p50_ms\":%.3f,\"first_p99_ms\":%.3f,\"mismatches\":%lld,\"follower_errors\":%lld,\"dead_followers\":%lld,\"lag\":%lld,\"repolls\":%lld,"
           "\"foreign\":%lld,\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,\"ack_max_ms\":%.3f,"
           "\"tool_cpu_ms\":%.1f,\"server_cpu_ms\":%lld}\n",
           t->label, t->proto == PROTO_CHAT ? "chat" : "nchan", t->nports, p.k, p.m, p.nrooms, o->rate, secs, (long long)posts,
           (long long)post_errors, posts / secs, (long long)p.deliveries, p.deliveries / secs,
           samples_pct_ms(&p.lat, 50), samples_pct_ms(&p.lat, 99), samples_pct_ms(&p.lat, 100),
           samples_pct_ms(&p.first, 50), samples_pct_ms(&p.first, 99), (long long)p.mismatches, (long long)p.errors, (long long)dead, (long long)behind,
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
        snprintf(follow, sizeof follow, "%.0f deliveries/s, p50 %.2f ms, p99 %.2f ms (first follower %.2f / %.2f ms), "
                 "lag %lld, mismatches %lld, ", p.deliveries / secs, samples_pct_ms(&p.lat, 50), samples_pct_ms(&p.lat, 99),
                 samples_pct_ms(&p.first, 50), samples_pct_ms(&p.first, 99),
                 (long long)behind, (long long)p.mismatches);
    char in_rooms[32] = "";
    if (p.nrooms > 1) snprintf(in_rooms, sizeof in_rooms, " in %d rooms", p.nrooms);
    fprintf(stderr, "  %s throughput %d posters%s, %d followers%s: %.0f posts/s, post-ack p50 %.2f ms, p99 %.2f ms, "
            "%serrors %lld, tool cpu %.0f ms, server cpu %lld ms in %.1f s\n", t->label, p.k,
            o->rate > 0 ? " (paced)" : "", p.m, in_rooms, posts / secs, samples_pct_ms(&p.ack, 50), samples_pct_ms(&p.ack, 99),
            follow, (long long)(p.errors + post_errors), cpu / 1e6, (long long)ticks * 10, secs);
    if (p.m) fprintf(stderr, "  %s delivery p99 by round (%d of %.1f s): %s ms\n", t->label, p.nrounds, secs / p.nrounds, rounds);
    for (int i = 0; i < total; i++) close(p.c[i].fd);
    close(p.ep);
    for (int r = 0; r < p.nrounds; r++) free(p.rlat[r].v);
    for (int r = 0; r < p.nrooms; r++) free(p.rooms[r].seen);
    free(p.c); free(fds); free(idle.id); free(p.rooms); free(p.lat.v); free(p.ack.v); free(p.first.v); free(p.rlat);
    return 0;
}
