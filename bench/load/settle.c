/* "Every waiter is really held": the server has gone idle (at most one 10 ms CPU tick in 200 ms, so it is done
   registering waiters), it has read every request (its side of each connection has an empty receive queue in
   /proc/net/tcp), and no waiter has an answer (the pump sees every early byte). Without a pid, idle means
   --settle-ms after the queues emptied. /proc/net/tcp lists every socket (30,000 lines at 15,000 waiters) and
   costs the tool tens of ms to read, so it is read only once the cheap checks pass, at most every 200 ms. */
#include "load.h"
#include <stdio.h>

#define MS 1000000LL

int settle(const target_t *t, const opts_t *o, int expect_conns, pump_fn pump, void *ctx)
{
    int64_t start = now_ns(), ref_t = start, ref_ticks = proc_cpu_ticks(t), read_since = 0, last_read = 0, rxq = -1;
    int est = -1;
    for (;;) {
        if (pump(ctx, 50) < 0) return -1;
        int64_t now = now_ns();
        int idle = 1;
        if (t->npids) {
            int64_t ticks = proc_cpu_ticks(t);
            if (ticks - ref_ticks > 1) { ref_t = now; ref_ticks = ticks; }
            idle = now - ref_t >= 200 * MS;
        }
        if (idle && now - last_read >= 200 * MS) {
            last_read = now;
            tcp_server_side(t, &est, &rxq);
            int read_all = est >= expect_conns && rxq == 0;
            if (!read_all) read_since = 0; else if (!read_since) read_since = now;
            if (read_all && (t->npids || now - read_since >= (int64_t)o->settle_ms * MS))
                return (int)((now - start) / MS);
        }
        if (now - start > (int64_t)o->settle_timeout_s * 1000 * MS) {
            fprintf(stderr, "settle: gave up after %d s: %d of %d connections established, %lld bytes unread%s\n",
                    o->settle_timeout_s, est, expect_conns, (long long)rxq, idle ? "" : ", server busy");
            return -1;
        }
    }
}
