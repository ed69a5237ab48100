/* Latency samples in ns: append, sort, nearest-rank percentiles. */
#include "load.h"
#include <stdio.h>
#include <stdlib.h>

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void samples_add(samples_t *s, int64_t x)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v) { perror("realloc"); exit(2); }
    }
    s->v[s->n++] = x;
}

void samples_sort(samples_t *s) { qsort(s->v, s->n, sizeof *s->v, cmp64); }

/* Nearest rank: the smallest sample with at least pct% of samples at or below it. */
double samples_pct_ms(const samples_t *s, double pct)
{
    if (!s->n) return -1;
    size_t rank = (size_t)((pct / 100.0) * (double)s->n + 0.999999);
    if (rank < 1) rank = 1;
    if (rank > s->n) rank = s->n;
    return (double)s->v[rank - 1] / 1e6;
}
