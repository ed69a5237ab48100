/* What /proc says about the server: CPU ticks, RSS/PSS, and whether it has read its sockets dry. */
#include "load.h"
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /proc/PID/stat into buf; returns the last ')' (the fields after the command name), or NULL. */
static char *read_stat(int pid, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = 0;
    return strrchr(buf, ')');
}

/* nginx runs a master and a worker: count each pid and its direct children. */
void proc_find_children(target_t *t, const int *pids, int n)
{
    const int cap = (int)(sizeof t->pids / sizeof *t->pids);
    t->npids = 0;
    for (int i = 0; i < n && t->npids < cap; i++) if (pids[i] > 0) t->pids[t->npids++] = pids[i];
    int parents = t->npids;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) && t->npids < cap) {
        int pid = atoi(e->d_name);
        if (pid <= 0) continue;
        char buf[1024];
        char *rp = read_stat(pid, buf, sizeof buf);
        int ppid = 0;
        if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1) continue;
        for (int i = 0; i < parents; i++) if (ppid == t->pids[i]) { t->pids[t->npids++] = pid; break; }
    }
    if (d) closedir(d);
}

int64_t proc_cpu_ticks(const target_t *t)
{
    int64_t sum = 0;
    for (int i = 0; i < t->npids; i++) {
        char buf[1024];
        char *rp = read_stat(t->pids[i], buf, sizeof buf);
        long long ut = 0, st = 0;
        /* after ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
        if (rp && sscanf(rp + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld %lld", &ut, &st) == 2)
            sum += ut + st;
    }
    return sum;
}

int proc_mem(const target_t *t, int64_t *rss, int64_t *pss)
{
    *rss = *pss = 0;
    int ok = 0;
    for (int i = 0; i < t->npids; i++) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", t->pids[i]);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        long long kb;
        while (fgets(line, sizeof line, f)) {
            if (sscanf(line, "Rss: %lld kB", &kb) == 1) { *rss += kb * 1024; ok = 1; }
            else if (sscanf(line, "Pss: %lld kB", &kb) == 1) *pss += kb * 1024;
        }
        fclose(f);
    }
    return ok ? 0 : -1;
}

/* Server side of the loopback connections: local port one of the target's (or its posts'), state ESTABLISHED.
   A request the server has not read yet shows in rx_queue; all zero means every request has been read. */
static int serves(const target_t *t, int port)
{
    if (port == t->post_port) return 1;
    for (int i = 0; i < t->nports; i++) if (port == t->ports[i]) return 1;
    return 0;
}

int tcp_server_side(const target_t *t, int *established, int64_t *rx_queue)
{
    *established = 0; *rx_queue = 0;
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f) return -1;
    char line[512];
    if (!fgets(line, sizeof line, f)) { fclose(f); return -1; }
    while (fgets(line, sizeof line, f)) {
        unsigned lport, st; unsigned long tx, rx;
        if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %lx:%lx", &lport, &st, &tx, &rx) != 4) continue;
        if (st == 1 && serves(t, (int)lport)) { (*established)++; *rx_queue += (int64_t)rx; }
    }
    fclose(f);
    return 0;
}
