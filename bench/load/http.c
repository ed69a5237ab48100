/* Incremental HTTP/1.1 response parser: status line, headers, Content-Length / chunked / until-close bodies. */
#include "load.h"
#include <string.h>
#include <strings.h>
#include <stdlib.h>
#include <errno.h>
#include <unistd.h>

enum { S_STATUS, S_HEADER, S_BODY, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END, S_TRAILER, S_UNTIL_CLOSE, S_DONE };

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

uint64_t fnv1a(const char *p, size_t n)
{
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)p[i]) * FNV_PRIME;
    return h;
}

void resp_reset(resp_t *r)
{
    r->state = S_STATUS; r->status = 0; r->chunked = 0; r->has_len = 0; r->line_len = 0;
    r->left = 0; r->body_total = 0; r->hash = FNV_OFFSET; r->body_len = 0; r->body[0] = 0;
    r->last_modified[0] = 0; r->etag[0] = 0;
}

static void body_bytes(resp_t *r, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) r->hash = (r->hash ^ (unsigned char)p[i]) * FNV_PRIME;
    size_t keep = BODY_KEEP - 1 - (size_t)r->body_len;
    if (keep > n) keep = n;
    memcpy(r->body + r->body_len, p, keep);
    r->body_len += (int)keep; r->body[r->body_len] = 0;
    r->body_total += (int64_t)n;
}

static void copy_value(char *dst, size_t cap, const char *v)
{
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    if (n >= cap) n = cap - 1;
    memcpy(dst, v, n); dst[n] = 0;
}

/* The end of the header block decides how the body is framed. */
static int headers_done(resp_t *r)
{
    if (r->status >= 100 && r->status < 200) { resp_reset(r); return 0; }     /* interim: read on */
    if (r->status == 204 || r->status == 304) { r->state = S_DONE; return 1; }
    if (r->chunked) { r->state = S_CHUNK_SIZE; return 0; }
    if (r->has_len) { r->state = r->left ? S_BODY : S_DONE; return r->state == S_DONE; }
    r->state = S_UNTIL_CLOSE;
    return 0;
}

/* One complete line (CR stripped) in r->line. */
static int on_line(resp_t *r)
{
    char *l = r->line;
    switch (r->state) {
    case S_STATUS:
        if (strncmp(l, "HTTP/1.", 7) != 0 || r->line_len < 12) return -1;
        r->status = atoi(l + 9);
        r->state = S_HEADER;
        return 0;
    case S_HEADER: {
        if (r->line_len == 0) return headers_done(r);
        char *colon = strchr(l, ':');
        if (!colon) return -1;
        *colon = 0;
        const char *v = colon + 1;
        if (!strcasecmp(l, "content-length")) { r->has_len = 1; r->left = strtoll(v, NULL, 10); }
        else if (!strcasecmp(l, "transfer-encoding")) r->chunked = strcasestr(v, "chunked") != NULL;
        else if (!strcasecmp(l, "last-modified")) copy_value(r->last_modified, sizeof r->last_modified, v);
        else if (!strcasecmp(l, "etag")) copy_value(r->etag, sizeof r->etag, v);
        return 0;
    }
    case S_CHUNK_SIZE: {
        char *end;
        r->left = strtoll(l, &end, 16);
        if (end == l || r->left < 0) return -1;
        r->state = r->left ? S_CHUNK_DATA : S_TRAILER;
        return 0;
    }
    case S_CHUNK_END:
        if (r->line_len != 0) return -1;
        r->state = S_CHUNK_SIZE;
        return 0;
    case S_TRAILER:
        if (r->line_len == 0) { r->state = S_DONE; return 1; }
        return 0;
    }
    return -1;
}

int resp_feed(resp_t *r, const char *p, size_t n, size_t *used)
{
    size_t i = 0;
    int rc = 0;
    while (i < n && rc == 0) {
        if (r->state == S_BODY || r->state == S_CHUNK_DATA) {
            size_t take = n - i < (size_t)r->left ? n - i : (size_t)r->left;
            body_bytes(r, p + i, take);
            i += take; r->left -= (int64_t)take;
            if (r->left == 0) {
                if (r->state == S_BODY) { r->state = S_DONE; rc = 1; }
                else r->state = S_CHUNK_END;
            }
        } else if (r->state == S_UNTIL_CLOSE) {
            body_bytes(r, p + i, n - i);
            i = n;
        } else if (r->state == S_DONE) {
            rc = 1;
        } else {
            const char *nl = memchr(p + i, '\n', n - i);
            size_t take = nl ? (size_t)(nl - (p + i)) : n - i;
            size_t room = sizeof r->line - 1 - (size_t)r->line_len;
            memcpy(r->line + r->line_len, p + i, take < room ? take : room);
            r->line_len += (int)(take < room ? take : room);
            i += take;
            if (!nl) break;
            i++;                                             /* the '\n' */
            if (r->line_len && r->line[r->line_len - 1] == '\r') r->line_len--;
            r->line[r->line_len] = 0;
            rc = on_line(r);
            r->line_len = 0;
        }
    }
    if (used) *used = i;
    return rc;
}

int resp_eof(resp_t *r)
{
    if (r->state == S_UNTIL_CLOSE) { r->state = S_DONE; return 1; }
    return -1;
}

int read_resp(int fd, resp_t *r)
{
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) return resp_feed(r, buf, (size_t)n, NULL);
    if (n == 0) return resp_eof(r);
    return errno == EAGAIN || errno == EINTR ? 0 : -1;
}
