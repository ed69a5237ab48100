/* load: fan-out and throughput load for the seed protocol and nchan. JSON lines on stdout, a summary on stderr. */
#include "load.h"
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "A,B,C" into at most max ints; returns how many, or -1 if one is not a positive number. */
static int int_list(const char *s, int *out, int max)
{
    int n = 0;
    for (char *end; *s && n < max; s = *end ? end + 1 : end) {
        long v = strtol(s, &end, 10);
        if (v <= 0 || v > 65535 * 1000L || (*end && *end != ',')) return -1;
        out[n++] = (int)v;
    }
    return *s ? -1 : n;
}

static void usage(void)
{
    fprintf(stderr,
        "usage: load fanout|throughput --port P [options]\n"
        "  --proto chat|nchan     dialect (default chat: GET /chat/get/N; nchan: validators, raw post body)\n"
        "  --port A[,B,...]       several nodes of one chat: connection i goes to the i-th port, round robin\n"
        "  --post-port P          posts go to this node (default: round robin like every connection)\n"
        "  --pid PID[,PID...]     server pids (their children too; at most 16): memory, CPU and idle checks\n"
        "  --label NAME           copied into every JSON line\n"
        "  --header 'N: V'        one more header on every chat request (e.g. 'Authorization: Bearer T')\n"
        " fanout:     --waiters N (1000) --rounds R (5) --warmup W (1) --round-timeout S (30)\n"
        "             --heap CMD: runs 'CMD before' (before the waiters connect) and 'CMD holding' (all held, before the\n"
        "             rounds); CMD prints the server's live heap bytes (bench/heap: a heap walk), outside every timing\n"
        " throughput: --posters K (1) --followers M (100; 0: posters only) --rate R posts/s in all (0: flat out) --seconds T (10)\n"
        "             --rounds R (5): delivery percentiles also for each of R equal windows of the T seconds\n"
        "             --rooms N (1): poster i posts to room r<i mod N>, follower j follows r<j mod N> (/rooms/r<k>/post,\n"
        "             /rooms/r<k>/get/n), each room's order checked on its own; 1: the seed's room (/chat/...)\n"
        " both:       --settle-timeout S (60) --settle-ms MS (1000, idle time when no --pid) --connect-window N (256)\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 2) usage();
    const char *mode = argv[1];
    target_t t = { .proto = PROTO_CHAT, .label = "server" };
    int pids[MAX_PIDS], npids = 0;
    opts_t o = { .waiters = 1000, .rounds = 5, .warmup = 1, .connect_window = 256, .round_timeout_s = 30,
                 .settle_timeout_s = 60, .settle_ms = 1000, .posters = 1, .followers = 100, .seconds = 10, .rooms = 1 };
    static struct option opts[] = {
        { "port", 1, 0, 'p' }, { "post-port", 1, 0, 'q' }, { "proto", 1, 0, 'P' }, { "pid", 1, 0, 'i' }, { "label", 1, 0, 'l' }, { "header", 1, 0, 'H' },
        { "waiters", 1, 0, 'n' }, { "rounds", 1, 0, 'r' }, { "warmup", 1, 0, 'w' }, { "round-timeout", 1, 0, 'T' },
        { "posters", 1, 0, 'k' }, { "followers", 1, 0, 'm' }, { "rate", 1, 0, 'R' }, { "seconds", 1, 0, 's' }, { "rooms", 1, 0, 'o' },
        { "settle-timeout", 1, 0, 'S' }, { "settle-ms", 1, 0, 'M' }, { "connect-window", 1, 0, 'c' }, { "heap", 1, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    optind = 2;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': t.nports = int_list(optarg, t.ports, MAX_PORTS); break;
        case 'q': t.post_port = atoi(optarg); break;
        case 'P': t.proto = !strcmp(optarg, "nchan") ? PROTO_NCHAN : !strcmp(optarg, "chat") ? PROTO_CHAT : -1; break;
        case 'i': npids = int_list(optarg, pids, MAX_PIDS); break;
        case 'l': t.label = optarg; break;
        case 'H': t.header = optarg; break;
        case 'n': o.waiters = atoi(optarg); break;
        case 'r': o.rounds = atoi(optarg); break;
        case 'w': o.warmup = atoi(optarg); break;
        case 'T': o.round_timeout_s = atoi(optarg); break;
        case 'k': o.posters = atoi(optarg); break;
        case 'm': o.followers = atoi(optarg); break;
        case 'R': o.rate = atof(optarg); break;
        case 's': o.seconds = atoi(optarg); break;
        case 'o': o.rooms = atoi(optarg); break;
        case 'S': o.settle_timeout_s = atoi(optarg); break;
        case 'M': o.settle_ms = atoi(optarg); break;
        case 'c': o.connect_window = atoi(optarg); break;
        case 'h': o.heap_cmd = optarg; break;
        default: usage();
        }
    }
    if (t.nports <= 0 || npids < 0 || t.post_port < 0 || t.proto < 0 || o.waiters < 1 || o.posters < 1 || o.followers < 0 || o.seconds < 1 || o.rooms < 1) usage();
    if (o.seconds > 600 || o.rounds > 1000 || o.rooms > 10000) {
        fprintf(stderr, "load: runs are bounded: --seconds <= 600, --rounds <= 1000, --rooms <= 10000\n");
        return 2;
    }
    if (o.rooms > 1 && (t.proto != PROTO_CHAT || strcmp(mode, "throughput"))) {
        fprintf(stderr, "load: --rooms is for the chat's throughput load (nchan has one channel, a fan-out one room)\n");
        return 2;
    }
    t.addr.sin_family = AF_INET;
    t.addr.sin_port = htons((uint16_t)(t.port = t.ports[0]));
    t.addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    raise_nofile();
    proc_find_children(&t, pids, npids);
    if (!strcmp(mode, "fanout")) return run_fanout(&t, &o);
    if (!strcmp(mode, "throughput")) return run_throughput(&t, &o);
    usage();
}
