/* Sockets, clocks and the two request dialects (the seed's /chat/get/N and nchan's validators). */
#include "load.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t cpu_self_ns(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return ((int64_t)u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL
         + ((int64_t)u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
}

static int new_socket(int nonblocking)
{
    int fd = socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0) | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

target_t target_on(const target_t *t, int port)
{
    target_t o = *t;
    o.nports = 1; o.ports[0] = o.port = port;
    o.addr.sin_port = htons((uint16_t)port);
    return o;
}

int connect_blocking(const target_t *t)
{
    int fd = new_socket(0);
    if (fd < 0 || connect(fd, (const struct sockaddr *)&t->addr, sizeof t->addr) != 0) {
        perror("connect");
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

int connect_many(const target_t *t, int *fds, int n, int window)
{
    int ep = epoll_create1(EPOLL_CLOEXEC), started = 0, open = 0, inflight = 0;
    struct epoll_event evs[256];
    while (open < n) {
        while (started < n && inflight < window) {
            int fd = new_socket(1);
            if (fd < 0) { perror("socket"); goto out; }
            fds[started] = fd;
            struct sockaddr_in to = t->addr;
            to.sin_port = htons((uint16_t)t->ports[started % t->nports]);
            if (connect(fd, (const struct sockaddr *)&to, sizeof to) == 0) { open++; started++; continue; }
            if (errno != EINPROGRESS) { perror("connect"); close(fd); goto out; }
            struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = (uint32_t)started };
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            started++; inflight++;
        }
        int k = epoll_wait(ep, evs, 256, 10000);
        if (k <= 0) { fprintf(stderr, "connect: timed out with %d open\n", open); goto out; }
        for (int i = 0; i < k; i++) {
            int fd = fds[evs[i].data.u32], err = 0;
            socklen_t len = sizeof err;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            inflight--;
            if (err) { fprintf(stderr, "connect: %s\n", strerror(err)); goto out; }
            open++;
        }
    }
out:
    close(ep);
    return open;
}

int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w > 0) { p += w; n -= (size_t)w; continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) { struct pollfd pf = { fd, POLLOUT, 0 }; poll(&pf, 1, 1000); continue; }
        return -1;
    }
    return 0;
}

int exchange(int fd, const char *req, size_t len, resp_t *r, int timeout_ms)
{
    char buf[8192];
    resp_reset(r);
    if (send_all(fd, req, len)) return -1;
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    for (;;) {
        int left = (int)((deadline - now_ns()) / 1000000);
        struct pollfd pf = { fd, POLLIN, 0 };
        if (left <= 0 || poll(&pf, 1, left) == 0) return 0;
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0) return resp_eof(r);
        if (n < 0) { if (errno == EINTR || errno == EAGAIN) continue; return -1; }
        int rc = resp_feed(r, buf, (size_t)n, NULL);
        if (rc) return rc;
    }
}

/* The room's path: the seed's room ("/chat") or room k of --rooms ("/rooms/r<k>"). */
static const char *room_path(char *buf, size_t cap, int room)
{
    if (room == ROOM_SEED) return "/chat";
    snprintf(buf, cap, "/rooms/r%d", room);
    return buf;
}

int build_get(const target_t *t, char *buf, size_t cap, int room, int64_t index, const char *lm, const char *etag)
{
    char path[32];
    if (t->proto == PROTO_CHAT)
        return snprintf(buf, cap, "GET %s/get/%lld HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s%s\r\n", room_path(path, sizeof path, room),
                        (long long)index, t->port, t->header ? t->header : "", t->header ? "\r\n" : "");
    if (!lm || !*lm)    /* no validators: nchan_subscriber_first_message newest holds it for the next message */
        return snprintf(buf, cap, "GET /chat/get/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", t->port);
    return snprintf(buf, cap, "GET /chat/get/ HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nIf-Modified-Since: %s\r\n"
                    "If-None-Match: %s\r\n\r\n", t->port, lm, etag);
}

/* Texts are [A-Za-z0-9-] only, so the form body needs no escaping. nchan publishes the raw body. */
int build_post(const target_t *t, char *buf, size_t cap, int room, const char *text)
{
    size_t n = strlen(text);
    char path[32];
    if (t->proto == PROTO_CHAT)
        return snprintf(buf, cap, "POST %s/post HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                        "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n%s%s\r\nmessage=%s",
                        room_path(path, sizeof path, room), t->port, n + 8, t->header ? t->header : "", t->header ? "\r\n" : "", text);
    return snprintf(buf, cap, "POST /chat/post HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: "
                    "text/plain; charset=utf-8\r\nContent-Length: %zu\r\n\r\n%s", t->port, n, text);
}

/* 200 -> n < count, 404 -> n > count, no answer within 300 ms -> n == count (that connection is dropped,
   which the server must treat as a hang-up). Exponential then binary search. */
static int probe(const target_t *t, int room, int *fd, int64_t n)
{
    char req[1024]; resp_t r;
    int len = build_get(t, req, sizeof req, room, n, NULL, NULL);
    if (*fd < 0 && (*fd = connect_blocking(t)) < 0) return -1;
    int rc = exchange(*fd, req, (size_t)len, &r, 300);
    if (rc == 0) { close(*fd); *fd = -1; return 0; }
    if (rc < 0) return -1;
    if (r.status == 200) return 200;
    if (r.status == 404) return 404;
    char path[32];
    fprintf(stderr, "probe: GET %s/get/%lld answered %d\n", room_path(path, sizeof path, room), (long long)n, r.status);
    return -1;
}

int64_t probe_count(const target_t *t, int room)
{
    if (t->proto != PROTO_CHAT) return 0;
    int fd = -1;
    int64_t lo = -1, hi = -1, n = 0, found = -1;     /* 200 at lo, 404 at hi */
    while (hi < 0 && found < 0) {
        int s = probe(t, room, &fd, n);
        if (s < 0) { found = -2; break; }
        if (s == 0) found = n; else if (s == 200) { lo = n; n = n ? n * 2 : 1; } else hi = n;
    }
    while (found == -1 && hi - lo > 1) {
        if (hi - lo == 2) { found = lo + 1; break; }
        int64_t mid = lo + (hi - lo) / 2;
        int s = probe(t, room, &fd, mid);
        if (s < 0) { found = -2; break; }
        if (s == 0) found = mid; else if (s == 200) lo = mid; else hi = mid;
    }
    if (fd >= 0) close(fd);
    return found;
}
