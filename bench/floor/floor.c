/* bench/floor: the seed protocol in C, written to be the floor of this machine: what a long-poll chat costs when
   nothing but the work itself runs. bench/run divides the chat's figures by this one's (issue 19: "fan-out to
   15,000 at most 1.3x the floor").

   POST /chat/post (form field `message`, urlencoded) stores the message and answers 200; GET /chat/get/N answers
   message N at once (200 text/plain) when N < count, 404 when N > count, and holds the request when N == count
   until the next post (200 with it) or for the poll timeout (204). Messages are kept in memory for good.

   One thread accepts, reads, parses and answers, on one level-triggered epoll. When a post arrives, the response
   for the held polls is encoded once, and the sends are split over two threads: this one and one sender thread,
   half each ("one thread parsing, the fan-out's sends split over two threads"). The parsing thread waits for the
   sender's half before it goes on, so every connection has one owner at any time and nothing else is shared.

   Usage: floor PORT [POLL_TIMEOUT_SECONDS]   (listens on 127.0.0.1 only; SIGTERM or SIGINT stops it) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define MAX_HEAD (16 * 1024)       /* request line and headers */
#define MAX_BODY (1024 * 1024)     /* a post's body */
#define ARENA_CHUNK (1024 * 1024)  /* messages are packed into chunks this big: 8 bytes of index per message */
/* Below this many held polls one thread sends them all: waking the sender (a futex and a context switch, some
   tens of microseconds) costs more than the few sends it would take over. */
#define SPLIT_MIN 64

typedef struct {
    int fd;
    int slot;                  /* index in `held` while its poll is held, else -1 */
    uint32_t events;           /* what epoll watches: EPOLLIN, or EPOLLOUT while a response is half sent */
    int closing;               /* no keep-alive: close once the response is out */
    int dead;                  /* a send failed (maybe on the sender thread): the parsing thread closes it */
    int queued;                /* in `ready`: has buffered requests to parse now that it may answer again */
    int64_t deadline;          /* held: when the poll times out (ms, CLOCK_MONOTONIC) */
    char *in; size_t inlen, incap;       /* an incomplete request, or requests pipelined behind a held one */
    char *out; size_t outlen, outoff;    /* the unsent rest of the one response in flight */
} conn_t;

static int ep, listen_fd, spare_fd, poll_timeout_ms = 30000;
static conn_t **by_fd;         /* every connection by descriptor; a struct is reused, never freed */
static size_t max_fd;
static char rbuf[MAX_HEAD + MAX_BODY];   /* reads land here; only leftovers are copied into a connection */
static char decoded[MAX_BODY];
static int64_t now_ms;

/* The held polls in arrival order, which is deadline order: a timeout pops from the front. A poll that hangs up
   leaves a NULL. A post takes the whole array and the spare becomes the new one (no copy). */
static conn_t **held, **spare;
static size_t hstart, hn, hcap, spare_cap;

/* Every ready connection is parsed from the main loop, never from inside a fan-out. */
static conn_t **ready;
static size_t nready, ready_cap;

/* Messages: msgs[i] points at a 4-byte length and the text, packed into arena chunks (never moved or freed). */
static char **msgs;
static size_t nmsgs, msgs_cap;
static char *arena;
static size_t arena_left;

/* The fan-out's response, encoded once per post; the sender thread reads it. */
static char *fanbuf;
static size_t fanbuf_cap;

static struct {
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    conn_t **list; size_t n; const char *buf; size_t len;
    unsigned gen; int busy, quit;
} job = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, 0 };

static const char R200_POST[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char R204[] = "HTTP/1.1 204 No Content\r\n\r\n";
static const char R400[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char R404[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
static const char R405_GET[] = "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nContent-Length: 0\r\n\r\n";
static const char R405_POST[] = "HTTP/1.1 405 Method Not Allowed\r\nAllow: POST\r\nContent-Length: 0\r\n\r\n";
static const char R413[] = "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char R431[] = "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
static const char R501[] = "HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
#define TEXT_HEAD "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %u\r\n\r\n"

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) { perror("floor: out of memory"); exit(1); }
    return p;
}

static int64_t clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ------------------------------------------------------------------------------------------------ */

/* Keeps what the socket did not take; the caller (the parsing thread) makes epoll wait for EPOLLOUT. */
static void keep_rest(conn_t *c, const char *a, size_t alen, const char *b, size_t blen, size_t sent)
{
    size_t rest = alen + blen - sent;
    c->out = xrealloc(c->out, rest);
    if (sent < alen) { memcpy(c->out, a + sent, alen - sent); memcpy(c->out + alen - sent, b, blen); }
    else memcpy(c->out, b + (sent - alen), rest);
    c->outlen = rest; c->outoff = 0;
}

/* One response (head and body) in one system call; what does not fit waits in c->out. Safe on either thread for
   a connection that thread owns. */
static void put(conn_t *c, const char *a, size_t alen, const char *b, size_t blen)
{
    struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
    struct msghdr m = { .msg_iov = iov, .msg_iovlen = blen ? 2 : 1 };
    ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL);
    if (n == (ssize_t)(alen + blen)) return;
    if (n < 0 && errno != EAGAIN && errno != EINTR) { c->dead = 1; return; }
    keep_rest(c, a, alen, b, blen, n < 0 ? 0 : (size_t)n);
}

static void watch(conn_t *c, uint32_t events)
{
    if (c->events == events) return;
    struct epoll_event ev = { .events = events, .data.ptr = c };
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
}

static void close_conn(conn_t *c)
{
    if (c->slot >= 0) held[c->slot] = NULL;
    close(c->fd);                            /* also leaves the epoll set: the descriptor is never duplicated */
    free(c->in); free(c->out);
    *c = (conn_t){ .fd = -1, .slot = -1 };
}

static void enqueue(conn_t *c)
{
    if (c->queued) return;
    if (nready == ready_cap) ready = xrealloc(ready, (ready_cap = ready_cap ? ready_cap * 2 : 1024) * sizeof *ready);
    ready[nready++] = c;
    c->queued = 1;
}

/* After something was sent to c on its behalf (a response, the end of a held poll): close it, wait until the
   socket takes the rest, or, once it may answer again, parse what it pipelined meanwhile. */
static void after_send(conn_t *c, int released)
{
    if (c->dead) close_conn(c);
    else if (c->outlen) watch(c, EPOLLOUT);  /* one response in flight at a time: no reading until it is out */
    else if (c->closing && c->slot < 0) close_conn(c);
    else if (released && c->inlen) enqueue(c);
}

/* ---- the held polls and the fan-out ---------------------------------------------------------------------- */

static void hold(conn_t *c)
{
    if (hn == hcap) held = xrealloc(held, (hcap = hcap ? hcap * 2 : 4096) * sizeof *held);
    c->slot = (int)hn;
    c->deadline = now_ms + poll_timeout_ms;
    held[hn++] = c;
}

/* The same bytes to each connection of list[0..n); a partial send keeps its rest, a failed one marks the
   connection dead. Runs on both threads, each over its own half. */
static void send_each(conn_t **list, size_t n, const char *buf, size_t len)
{
    for (size_t i = 0; i < n; i++) {
        conn_t *c = list[i];
        if (!c) continue;
        ssize_t k = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (k == (ssize_t)len) continue;
        if (k < 0 && errno != EAGAIN && errno != EINTR) { c->dead = 1; continue; }
        keep_rest(c, buf, len, NULL, 0, k < 0 ? 0 : (size_t)k);
    }
}

static void *sender_main(void *arg)
{
    (void)arg;
    unsigned seen = 0;
    pthread_mutex_lock(&job.mu);
    for (;;) {
        while (job.gen == seen && !job.quit) pthread_cond_wait(&job.go, &job.mu);
        if (job.quit) break;
        seen = job.gen;
        pthread_mutex_unlock(&job.mu);
        send_each(job.list, job.n, job.buf, job.len);
        pthread_mutex_lock(&job.mu);
        job.busy = 0;
        pthread_cond_signal(&job.done);
    }
    pthread_mutex_unlock(&job.mu);
    return NULL;
}

/* Message (text, len) was just stored: every held poll gets it. */
static void fan_out(const char *text, uint32_t len)
{
    size_t n = hn - hstart;
    if (!n) return;
    size_t need = sizeof TEXT_HEAD + 16 + len;
    if (need > fanbuf_cap) fanbuf = xrealloc(fanbuf, fanbuf_cap = need);
    size_t flen = (size_t)snprintf(fanbuf, fanbuf_cap, TEXT_HEAD, len);
    memcpy(fanbuf + flen, text, len);
    flen += len;

    /* Take the held array; the spare, empty, takes new polls (none arrive until this returns). */
    conn_t **list = held + hstart, **taken = held;
    size_t taken_cap = hcap;
    held = spare; hcap = spare_cap; spare = taken; spare_cap = taken_cap;
    hstart = hn = 0;
    for (size_t i = 0; i < n; i++) if (list[i]) list[i]->slot = -1;

    size_t mine = n;
    if (n >= SPLIT_MIN) {                    /* the second half to the sender thread */
        mine = n / 2;
        pthread_mutex_lock(&job.mu);
        job.list = list + mine; job.n = n - mine; job.buf = fanbuf; job.len = flen;
        job.busy = 1; job.gen++;
        pthread_cond_signal(&job.go);
        pthread_mutex_unlock(&job.mu);
    }
    send_each(list, mine, fanbuf, flen);
    if (mine < n) {
        pthread_mutex_lock(&job.mu);
        while (job.busy) pthread_cond_wait(&job.done, &job.mu);
        pthread_mutex_unlock(&job.mu);
    }
    for (size_t i = 0; i < n; i++) if (list[i]) after_send(list[i], 1);
}

/* Polls held for the whole timeout get 204 and may poll again. */
static void expire(void)
{
    while (hstart < hn && (!held[hstart] || held[hstart]->deadline <= now_ms)) {
        conn_t *c = held[hstart++];
        if (!c) continue;
        c->slot = -1;
        put(c, R204, sizeof R204 - 1, NULL, 0);
        after_send(c, 1);
    }
    if (hstart == hn) hstart = hn = 0;
    else if (hstart > 4096 && hstart * 2 > hn) {   /* long quiet stretch: move the live part to the front */
        memmove(held, held + hstart, (hn - hstart) * sizeof *held);
        hn -= hstart; hstart = 0;
        for (size_t i = 0; i < hn; i++) if (held[i]) held[i]->slot = (int)i;
    }
}

static int next_timeout(void)
{
    while (hstart < hn && !held[hstart]) hstart++;
    if (hstart == hn) return -1;
    int64_t d = held[hstart]->deadline - now_ms;
    return d < 0 ? 0 : d > 60000 ? 60000 : (int)d;
}

/* ---- messages ---------------------------------------------------------------------------------------------- */

static void store(const char *text, uint32_t len)
{
    if (nmsgs == msgs_cap) msgs = xrealloc(msgs, (msgs_cap = msgs_cap ? msgs_cap * 2 : 65536) * sizeof *msgs);
    size_t need = 4 + (size_t)len;
    char *p;
    if (need > ARENA_CHUNK / 8) p = xrealloc(NULL, need);   /* a big one on its own */
    else {
        if (need > arena_left) { arena = xrealloc(NULL, ARENA_CHUNK); arena_left = ARENA_CHUNK; }
        p = arena; arena += need; arena_left -= need;
    }
    memcpy(p, &len, 4);
    memcpy(p + 4, text, len);
    msgs[nmsgs++] = p;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    ch |= 0x20;
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* application/x-www-form-urlencoded: '+' is a space, %XX a byte; a broken escape stays as it is (as .NET's). */
static uint32_t url_decode(const char *p, const char *end, char *out)
{
    char *o = out;
    for (; p < end; p++) {
        int hi, lo;
        if (*p == '+') *o++ = ' ';
        else if (*p == '%' && end - p >= 3 && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
            *o++ = (char)(hi << 4 | lo); p += 2;
        } else *o++ = *p;
    }
    return (uint32_t)(o - out);
}

/* The form field `message`, decoded into `decoded`; missing, it is empty, as bench/Reference stores it. */
static uint32_t message_field(const char *body, size_t len)
{
    const char *p = body, *end = body + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        if (!amp) amp = end;
        if (amp - p >= 7 && !memcmp(p, "message", 7) && (amp - p == 7 || p[7] == '='))
            return url_decode(p + (amp - p == 7 ? 7 : 8), amp, decoded);
        p = amp + 1;
    }
    return 0;
}

/* ---- requests ---------------------------------------------------------------------------------------------- */

static int has_token(const char *v, size_t n, const char *tok)
{
    size_t t = strlen(tok);
    for (size_t i = 0; i + t <= n; i++) if (!strncasecmp(v + i, tok, t)) return 1;
    return 0;
}

static void route(conn_t *c, const char *method, size_t mlen, const char *path, size_t plen,
                  const char *body, size_t blen)
{
    const char *q = memchr(path, '?', plen);
    if (q) plen = (size_t)(q - path);
    int get = mlen == 3 && !memcmp(method, "GET", 3), post = mlen == 4 && !memcmp(method, "POST", 4);
    if (plen > 10 && !memcmp(path, "/chat/get/", 10)) {
        if (!get) { put(c, R405_GET, sizeof R405_GET - 1, NULL, 0); return; }
        uint64_t n = 0;
        for (size_t i = 10; i < plen; i++) {
            if (path[i] < '0' || path[i] > '9' || i > 28) { put(c, R404, sizeof R404 - 1, NULL, 0); return; }
            n = n * 10 + (uint64_t)(path[i] - '0');
        }
        if (n < nmsgs) {
            char head[sizeof TEXT_HEAD + 16];
            uint32_t len;
            memcpy(&len, msgs[n], 4);
            put(c, head, (size_t)snprintf(head, sizeof head, TEXT_HEAD, len), msgs[n] + 4, len);
        } else if (n == nmsgs) hold(c);
        else put(c, R404, sizeof R404 - 1, NULL, 0);
    } else if (plen == 10 && !memcmp(path, "/chat/post", 10)) {
        if (!post) { put(c, R405_POST, sizeof R405_POST - 1, NULL, 0); return; }
        uint32_t len = message_field(body, blen);
        store(decoded, len);
        put(c, R200_POST, sizeof R200_POST - 1, NULL, 0);   /* acknowledged once stored, then the fan-out */
        fan_out(decoded, len);
    } else put(c, R404, sizeof R404 - 1, NULL, 0);
}

static void refuse(conn_t *c, const char *r, size_t len)
{
    put(c, r, len, NULL, 0);
    c->closing = 1;
}

/* Answers the complete requests in data[0..len), in order, until one is held, a response is still going out,
   or the connection is to close. Returns the bytes consumed. */
static size_t parse(conn_t *c, const char *data, size_t len)
{
    size_t off = 0;
    while (off < len && c->slot < 0 && !c->outlen && !c->closing && !c->dead) {
        const char *p = data + off, *end;
        size_t n = len - off;
        if (!(end = memmem(p, n < MAX_HEAD ? n : MAX_HEAD, "\r\n\r\n", 4))) {
            if (n >= MAX_HEAD) refuse(c, R431, sizeof R431 - 1);
            break;
        }
        size_t head = (size_t)(end - p) + 4;
        const char *line_end = memchr(p, '\r', head);
        const char *sp1 = memchr(p, ' ', (size_t)(line_end - p));
        const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
        if (!sp2 || line_end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/1.", 7)) { refuse(c, R400, sizeof R400 - 1); break; }
        int http11 = sp2[8] == '1', close_req = 0, keep_req = 0, chunked = 0, bad = 0;
        uint64_t clen = 0;
        for (const char *l = line_end + 2; l < end; ) {
            const char *le = memmem(l, (size_t)(end + 2 - l), "\r\n", 2), *colon = memchr(l, ':', (size_t)(le - l));
            if (!colon) { bad = 1; break; }
            const char *v = colon + 1;
            size_t nlen = (size_t)(colon - l), vlen = (size_t)(le - v);
            if (nlen == 14 && !strncasecmp(l, "content-length", 14)) {
                while (vlen && (*v == ' ' || *v == '\t')) v++, vlen--;
                if (!vlen) bad = 1;
                for (size_t i = 0; i < vlen && !bad; i++) {
                    if (v[i] == ' ' || v[i] == '\t') break;
                    if (v[i] < '0' || v[i] > '9' || clen > MAX_BODY) bad = 1;
                    else clen = clen * 10 + (uint64_t)(v[i] - '0');
                }
            } else if (nlen == 17 && !strncasecmp(l, "transfer-encoding", 17)) chunked = 1;
            else if (nlen == 10 && !strncasecmp(l, "connection", 10)) {
                close_req = has_token(v, vlen, "close");
                keep_req = has_token(v, vlen, "keep-alive");
            }
            l = le + 2;
        }
        if (bad) { refuse(c, R400, sizeof R400 - 1); break; }
        if (chunked) { refuse(c, R501, sizeof R501 - 1); break; }     /* Content-Length bodies only */
        if (clen > MAX_BODY) { refuse(c, R413, sizeof R413 - 1); break; }
        if (n < head + clen) break;                                    /* the body is still coming */
        off += head + (size_t)clen;
        /* HTTP/1.0 keep-alive would need a Connection header in every answer: 1.0 clients get one answer. */
        (void)keep_req;
        if (close_req || !http11) c->closing = 1;
        route(c, p, (size_t)(sp1 - p), sp1 + 1, (size_t)(sp2 - sp1 - 1), p + head, (size_t)clen);
    }
    return off;
}

/* What was not parsed yet stays with the connection (rbuf is the next read's). */
static void keep_input(conn_t *c, const char *data, size_t used, size_t len)
{
    size_t rest = len - used;
    if (data == c->in) { if (used) memmove(c->in, c->in + used, rest); }
    else if (rest) {
        if (rest > c->incap) c->in = xrealloc(c->in, c->incap = rest);
        memcpy(c->in, data + used, rest);
    }
    c->inlen = rest;
    if (!rest && c->incap > 65536) { free(c->in); c->in = NULL; c->incap = 0; }
}

static void on_readable(conn_t *c)
{
    ssize_t n = read(c->fd, rbuf, sizeof rbuf);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) { close_conn(c); return; }   /* hung up */
    if (n < 0) return;
    const char *data = rbuf;
    size_t len = (size_t)n;
    if (c->inlen || c->slot >= 0) {          /* behind earlier bytes: append */
        if (c->inlen + len > MAX_HEAD + MAX_BODY) { close_conn(c); return; }
        if (c->inlen + len > c->incap) c->in = xrealloc(c->in, c->incap = (c->inlen + len) * 2);
        memcpy(c->in + c->inlen, rbuf, len);
        c->inlen += len;
        if (c->slot >= 0) return;            /* pipelined behind a held poll: parsed once it is answered */
        data = c->in; len = c->inlen;
    }
    keep_input(c, data, parse(c, data, len), len);
    after_send(c, 0);
}

static void on_writable(conn_t *c)
{
    ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) { close_conn(c); return; }
    if (n > 0) c->outoff += (size_t)n;
    if (c->outoff < c->outlen) return;
    free(c->out); c->out = NULL; c->outlen = c->outoff = 0;
    watch(c, EPOLLIN);
    after_send(c, 1);
}

static void on_accept(void)
{
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {   /* out of descriptors: shed one instead of spinning */
                close(spare_fd);
                if ((fd = accept(listen_fd, NULL, NULL)) >= 0) close(fd);
                spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                continue;
            }
            return;                                     /* EAGAIN: accepted them all */
        }
        if ((size_t)fd >= max_fd) { close(fd); continue; }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);   /* small answers, sent at once */
        if (!by_fd[fd]) by_fd[fd] = xrealloc(NULL, sizeof **by_fd);
        conn_t *c = by_fd[fd];
        *c = (conn_t){ .fd = fd, .slot = -1, .events = EPOLLIN };
        struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    if (port <= 0 || port > 65535) { fprintf(stderr, "usage: floor PORT [POLL_TIMEOUT_SECONDS]\n"); return 2; }
    if (argc > 2) poll_timeout_ms = (int)(atof(argv[2]) * 1000);

    /* 15,000 held polls are 15,000 descriptors: take the hard limit. */
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    max_fd = rl.rlim_cur > (1 << 20) ? (1 << 20) : rl.rlim_cur;
    by_fd = calloc(max_fd, sizeof *by_fd);

    /* SIGTERM and SIGINT arrive through epoll (blocked in both threads); a closed peer is an error, not a signal. */
    sigset_t stop;
    sigemptyset(&stop); sigaddset(&stop, SIGTERM); sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sig_fd = signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);

    listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listen_fd, (struct sockaddr *)&addr, sizeof addr) || listen(listen_fd, 4096)) {
        perror("floor: bind/listen"); return 1;
    }
    spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ep = epoll_create1(EPOLL_CLOEXEC);
    static char listen_tag, sig_tag;
    struct epoll_event lev = { .events = EPOLLIN, .data.ptr = &listen_tag }, sev = { .events = EPOLLIN, .data.ptr = &sig_tag };
    epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &lev);
    epoll_ctl(ep, EPOLL_CTL_ADD, sig_fd, &sev);

    pthread_t sender;
    pthread_create(&sender, NULL, sender_main, NULL);
    pthread_setname_np(sender, "floor-send");
    fprintf(stderr, "floor: listening on 127.0.0.1:%d, poll timeout %d ms, %zu descriptors\n", port, poll_timeout_ms, max_fd);

    struct epoll_event evs[1024];
    for (int running = 1; running; ) {
        now_ms = clock_ms();
        int k = epoll_wait(ep, evs, 1024, next_timeout());
        now_ms = clock_ms();
        for (int i = 0; i < k; i++) {
            void *tag = evs[i].data.ptr;
            if (tag == &listen_tag) { on_accept(); continue; }
            if (tag == &sig_tag) { running = 0; continue; }
            conn_t *c = tag;
            if (c->fd < 0) continue;                               /* closed earlier in this batch */
            if (c->events & EPOLLOUT) on_writable(c);
            else on_readable(c);                                   /* EPOLLIN, or a hang-up / error to read */
        }
        expire();
        for (size_t i = 0; i < nready; i++) {                     /* may grow while it runs */
            conn_t *c = ready[i];
            if (!c->queued) continue;                              /* closed (and maybe reused) since */
            c->queued = 0;
            if (c->fd < 0 || c->slot >= 0 || c->outlen || !c->inlen) continue;
            keep_input(c, c->in, parse(c, c->in, c->inlen), c->inlen);
            after_send(c, 0);
        }
        nready = 0;
    }

    pthread_mutex_lock(&job.mu);
    job.quit = 1;
    pthread_cond_signal(&job.go);
    pthread_mutex_unlock(&job.mu);
    pthread_join(sender, NULL);
    close(listen_fd);
    size_t open_conns = 0;
    for (size_t fd = 0; fd < max_fd; fd++)
        if (by_fd[fd]) { if (by_fd[fd]->fd >= 0) { open_conns++; close_conn(by_fd[fd]); } free(by_fd[fd]); }
    fprintf(stderr, "floor: stopped (%zu messages, %zu connections closed)\n", nmsgs, open_conns);
    return 0;
}
