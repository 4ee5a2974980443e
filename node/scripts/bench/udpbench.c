/*
 * udpbench: the bench suite's UDP load generator and sink (issue 13). Several sender threads
 * offer datagrams with sendmmsg (paced or unpaced) from one socket per flow; one receiver thread
 * takes them with recvmmsg from one socket per flow and measures loss and one-way latency (each
 * datagram carries its flow, sequence number and CLOCK_MONOTONIC send time; sender and receiver
 * are on the same machine). Loopback only. Prints one JSON object.
 *
 * Relay mode:  udpbench --flows N --threads T --size B --rate PPS --duration S
 *                       --src-port P0 --recv-port R0 --dst-ports p1,p2,...|--dst-port P [--channel]
 *   flow i sends from 127.0.0.1:P0+i to 127.0.0.1:dst[i] (a TURN ChannelData header with channel
 *   0x4000+i in front with --channel) and is received on 127.0.0.1:R0+i.
 * STUN mode:   udpbench --stun --flows N --threads T --rate PPS --duration S --src-port P0 --dst-port P
 *   Binding requests (transaction id = flow, send time) from P0+i; the answers come back to the
 *   same sockets; latency is the round trip.
 * --rate 0 sends as fast as the threads can.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 1024
#define BATCH 32
#define HIST_US 100000

static int flows = 1, threads = 1, size = 100, stun_mode = 0, channel = 0;
static double rate = 0, duration = 2;
static int src_port = 0, recv_port = 0;
static int dst_ports[MAX_FLOWS];
static int send_fd[MAX_FLOWS], recv_fd[MAX_FLOWS];
static atomic_long sent_total;
static atomic_int sending_done;
static long received_total, bad_total, stale_total;
static uint32_t nonce; /* tags this run's datagrams: late ones of an earlier run are not counted */
static long hist[HIST_US + 1];

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int udp_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *) &a, sizeof a) != 0) {
        fprintf(stderr, "udpbench: cannot bind 127.0.0.1:%d: %s\n", port, strerror(errno));
        exit(2);
    }
    return fd;
}

/* Writes the datagram of flow f, sequence seq, into p; returns its length. */
static int build(unsigned char *p, int f, uint32_t seq) {
    uint64_t t = now_ns();
    if (stun_mode) { /* RFC 8489 Binding request, no attributes; id = flow(4) seq(4)... time in 8 */
        p[0] = 0; p[1] = 1; p[2] = 0; p[3] = 0;
        uint32_t cookie = htonl(0x2112A442);
        memcpy(p + 4, &cookie, 4);
        uint16_t ff = (uint16_t) f, nn = (uint16_t) nonce;
        memcpy(p + 8, &ff, 2);
        memcpy(p + 10, &nn, 2);
        memcpy(p + 12, &t, 8);
        return 20;
    }
    int off = 0;
    int len = size;
    if (channel) {
        p[0] = 0x40 | ((f >> 8) & 0x3f); p[1] = f & 0xff;
        p[2] = (size >> 8) & 0xff; p[3] = size & 0xff;
        off = 4;
    }
    unsigned char *q = p + off;
    q[0] = 0x80; /* RTP-like first byte: not STUN, not DTLS (RFC 7983) */
    q[1] = 0;
    uint16_t ff = (uint16_t) f;
    memcpy(q + 2, &ff, 2);
    memcpy(q + 4, &seq, 4);
    memcpy(q + 8, &t, 8);
    memcpy(q + 16, &nonce, 4);
    return off + len;
}

struct sender { int id; };

static void *send_loop(void *arg) {
    int id = ((struct sender *) arg)->id;
    int mine[MAX_FLOWS], n = 0;
    for (int f = id; f < flows; f += threads) mine[n++] = f;
    if (n == 0) return NULL;
    static __thread unsigned char bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_in to[MAX_FLOWS];
    for (int i = 0; i < n; i++) {
        int f = mine[i];
        to[i] = (struct sockaddr_in) {.sin_family = AF_INET, .sin_port = htons(dst_ports[f]),
                                       .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    }
    uint32_t seq[MAX_FLOWS] = {0};
    double my_rate = rate / threads;
    int batch = rate <= 0 ? BATCH : (int) (my_rate / 20000);
    if (batch < 1) batch = 1;
    if (batch > BATCH) batch = BATCH;
    uint64_t start = now_ns(), end = start + (uint64_t) (duration * 1e9);
    long mysent = 0;
    int next = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end) break;
        if (rate > 0) {
            double due = (t - start) / 1e9 * my_rate;
            if (mysent >= due) {
                struct timespec ts = {0, 20000};
                if (mysent - due > batch) nanosleep(&ts, NULL);
                continue;
            }
        }
        int i = next;
        next = (next + 1) % n;
        int f = mine[i];
        for (int k = 0; k < batch; k++) {
            iov[k].iov_base = bufs[k];
            iov[k].iov_len = build(bufs[k], f, seq[i]++);
            memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
            msgs[k].msg_hdr.msg_name = &to[i];
            msgs[k].msg_hdr.msg_namelen = sizeof to[i];
        }
        int r = sendmmsg(send_fd[f], msgs, batch, 0);
        if (r > 0) {
            mysent += r;
            if (r < batch) seq[i] -= batch - r;
        } else {
            seq[i] -= batch;
        }
    }
    atomic_fetch_add(&sent_total, mysent);
    return NULL;
}

static void *recv_loop(void *arg) {
    (void) arg;
    int ep = epoll_create1(0);
    int *fds = stun_mode ? send_fd : recv_fd;
    for (int f = 0; f < flows; f++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = f};
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[f], &ev);
    }
    static unsigned char bufs[64][2048];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    uint64_t stop_at = 0;
    for (;;) {
        if (atomic_load(&sending_done)) {
            if (stop_at == 0) stop_at = now_ns() + 300000000ull; /* drain for 300 ms */
            else if (now_ns() > stop_at) break;
        }
        struct epoll_event evs[64];
        int ne = epoll_wait(ep, evs, 64, 20);
        for (int e = 0; e < ne; e++) {
            int fd = fds[evs[e].data.u32];
            for (;;) {
                for (int k = 0; k < 64; k++) {
                    iov[k].iov_base = bufs[k];
                    iov[k].iov_len = sizeof bufs[k];
                    memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
                    msgs[k].msg_hdr.msg_iov = &iov[k];
                    msgs[k].msg_hdr.msg_iovlen = 1;
                }
                int r = recvmmsg(fd, msgs, 64, MSG_DONTWAIT, NULL);
                if (r <= 0) break;
                uint64_t t = now_ns();
                for (int k = 0; k < r; k++) {
                    unsigned char *p = bufs[k];
                    uint64_t sent_at;
                    if (stun_mode) {
                        uint16_t nn;
                        if (msgs[k].msg_len < 20 || p[0] != 0x01 || p[1] != 0x01) { bad_total++; continue; }
                        memcpy(&nn, p + 10, 2);
                        if (nn != (uint16_t) nonce) { stale_total++; continue; }
                        memcpy(&sent_at, p + 12, 8);
                    } else {
                        uint32_t n;
                        if (msgs[k].msg_len < 20 || p[0] != 0x80) { bad_total++; continue; }
                        memcpy(&n, p + 16, 4);
                        if (n != nonce) { stale_total++; continue; }
                        memcpy(&sent_at, p + 8, 8);
                    }
                    received_total++;
                    uint64_t us = (t - sent_at) / 1000;
                    hist[us > HIST_US ? HIST_US : us]++;
                }
                if (r < 64) break;
            }
        }
    }
    return NULL;
}

static double percentile(double q) {
    long want = (long) (received_total * q), seen = 0;
    for (int i = 0; i <= HIST_US; i++) {
        seen += hist[i];
        if (seen > want) return i;
    }
    return HIST_US;
}

int main(int argc, char **argv) {
    int dst_all = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--flows")) flows = atoi(v), i++;
        else if (!strcmp(a, "--threads")) threads = atoi(v), i++;
        else if (!strcmp(a, "--size")) size = atoi(v), i++;
        else if (!strcmp(a, "--rate")) rate = atof(v), i++;
        else if (!strcmp(a, "--duration")) duration = atof(v), i++;
        else if (!strcmp(a, "--src-port")) src_port = atoi(v), i++;
        else if (!strcmp(a, "--recv-port")) recv_port = atoi(v), i++;
        else if (!strcmp(a, "--dst-port")) dst_all = atoi(v), i++;
        else if (!strcmp(a, "--dst-ports")) {
            char *copy = strdup(v), *save = NULL;
            int n = 0;
            for (char *t = strtok_r(copy, ",", &save); t && n < MAX_FLOWS; t = strtok_r(NULL, ",", &save)) dst_ports[n++] = atoi(t);
            free(copy);
            i++;
        } else if (!strcmp(a, "--stun")) stun_mode = 1;
        else if (!strcmp(a, "--channel")) channel = 1;
        else { fprintf(stderr, "udpbench: unknown argument %s\n", a); return 2; }
    }
    if (flows < 1 || flows > MAX_FLOWS || threads < 1 || size < 20 || size > 1400) {
        fprintf(stderr, "udpbench: flows 1..%d, threads >= 1, size 20..1400\n", MAX_FLOWS);
        return 2;
    }
    nonce = (uint32_t) (now_ns() ^ ((uint64_t) getpid() << 16));
    for (int f = 0; f < flows; f++) {
        if (dst_all) dst_ports[f] = dst_all;
        send_fd[f] = udp_socket(src_port + f);
        if (!stun_mode) recv_fd[f] = udp_socket(recv_port + f);
    }
    pthread_t rt, st[64];
    struct sender ss[64];
    if (threads > 64) threads = 64;
    pthread_create(&rt, NULL, recv_loop, NULL);
    uint64_t t0 = now_ns();
    for (int t = 0; t < threads; t++) {
        ss[t].id = t;
        pthread_create(&st[t], NULL, send_loop, &ss[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(st[t], NULL);
    double elapsed = (now_ns() - t0) / 1e9;
    atomic_store(&sending_done, 1);
    pthread_join(rt, NULL);
    long sent = atomic_load(&sent_total);
    printf("{\"flows\":%d,\"threads\":%d,\"size\":%d,\"offered_rate\":%.0f,\"seconds\":%.3f,"
           "\"sent\":%ld,\"received\":%ld,\"bad\":%ld,\"stale\":%ld,\"loss\":%.5f,\"sent_pps\":%.0f,\"delivered_pps\":%.0f,"
           "\"p50_us\":%.0f,\"p99_us\":%.0f}\n",
           flows, threads, stun_mode ? 20 : size, rate, elapsed, sent, received_total, bad_total, stale_total,
           sent > 0 ? 1.0 - (double) received_total / sent : 1.0, sent / duration, received_total / duration,
           percentile(0.5), percentile(0.99));
    return 0;
}
