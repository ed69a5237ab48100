/* bench/load: a long-poll load tool for the seed protocol (and nchan). One thread, epoll, raw HTTP/1.1. */
#ifndef LOAD_H
#define LOAD_H
#define _GNU_SOURCE
#include <stdint.h>
#include <stddef.h>
#include <netinet/in.h>

#define BODY_KEEP 256            /* bytes of a body kept for checks; the rest is only hashed */

/* An HTTP/1.1 response read incrementally: Content-Length, chunked, or until close. */
typedef struct {
    int state, status, chunked, has_len, line_len;
    int64_t left, body_total;
    uint64_t hash;               /* FNV-1a of the whole body */
    char line[512];
    char body[BODY_KEEP]; int body_len;
    char last_modified[64], etag[64];
} resp_t;

void resp_reset(resp_t *r);
/* Feeds bytes; returns 1 when the response is complete, 0 when more is needed, -1 on a protocol error. */
int resp_feed(resp_t *r, const char *p, size_t n, size_t *used);
/* The peer closed: completes a read-until-close body. */
int resp_eof(resp_t *r);
/* Reads what the socket has into r: 1 when the response is complete, 0 not yet, -1 closed or broken. */
int read_resp(int fd, resp_t *r);
uint64_t fnv1a(const char *p, size_t n);

/* Where the servers are and which dialect they speak. One server, or several nodes of one chat (over Redis):
   connection i goes to ports[i % nports], posts may go to a node of their own (post_port). */
enum proto { PROTO_CHAT, PROTO_NCHAN };
#define MAX_PORTS 8
#define MAX_PIDS (2 * MAX_PORTS)     /* --pid: a Redis Cluster's six servers and three nodes are nine */
typedef struct {
    struct sockaddr_in addr;     /* ports[0]: probes and blocking connections */
    int port, proto;
    int nports, ports[MAX_PORTS];
    int post_port;               /* 0: posts go where every other connection goes */
    int npids, pids[2 * MAX_PIDS];    /* the servers' pids and their children (nginx: master + worker) */
    const char *label;
    const char *header;          /* one more request header line (e.g. a bearer token), or NULL */
} target_t;

/* The same target with every connection going to one port (the posts' node: target_on(t, t->post_port)). */
target_t target_on(const target_t *t, int port);

int64_t now_ns(void);
int64_t cpu_self_ns(void);
void raise_nofile(void);
int connect_blocking(const target_t *t);
/* Opens n non-blocking TCP_NODELAY connections, at most `window` handshakes in flight. Returns how many. */
int connect_many(const target_t *t, int *fds, int n, int window);
int send_all(int fd, const char *p, size_t n);
/* One request/response on a blocking socket; returns 1 done, 0 timed out, -1 error. */
int exchange(int fd, const char *req, size_t len, resp_t *r, int timeout_ms);

/* Requests. `room` is ROOM_SEED (the seed's /chat/...) or k (/rooms/r<k>/..., see --rooms); `room` and `index`
   are used by the chat dialect, the validators by nchan (empty: none yet). */
#define ROOM_SEED (-1)
int build_get(const target_t *t, char *buf, size_t cap, int room, int64_t index, const char *lm, const char *etag);
int build_post(const target_t *t, char *buf, size_t cap, int room, const char *text);
/* A room's current count, found with GET /chat/get/n (200 below, 404 above, held at count). nchan: 0. */
int64_t probe_count(const target_t *t, int room);

/* /proc: the server's CPU ticks and memory (summed over pids), and its side of the TCP connections. */
void proc_find_children(target_t *t, const int *pids, int n);
int64_t proc_cpu_ticks(const target_t *t);
int proc_mem(const target_t *t, int64_t *rss, int64_t *pss);
int tcp_server_side(const target_t *t, int *established, int64_t *rx_queue);

/* Statistics over latencies in ns. */
typedef struct { int64_t *v; size_t n, cap; } samples_t;
void samples_add(samples_t *s, int64_t x);
void samples_sort(samples_t *s);
double samples_pct_ms(const samples_t *s, double pct);   /* after sort; pct in [0,100] */

/* Command-line settings of both modes (main.c). */
typedef struct {
    int waiters, rounds, warmup, connect_window;
    int round_timeout_s, settle_timeout_s, settle_ms;
    int posters, followers, seconds;
    int rooms;                   /* throughput: poster i posts to room i % rooms, follower j follows j % rooms */
    double rate;                 /* posts/s over all posters; 0: as fast as possible */
    const char *heap_cmd;        /* fanout: "CMD before" / "CMD holding" print the server's live heap bytes, or NULL */
} opts_t;

/* Waits until the server has read every request and gone idle (see README); returns ms waited or -1. */
typedef int (*pump_fn)(void *ctx, int timeout_ms);
int settle(const target_t *t, const opts_t *o, int expect_conns, pump_fn pump, void *ctx);

int run_fanout(target_t *t, const opts_t *o);
int run_throughput(target_t *t, const opts_t *o);
#endif
