/*
 * fwd: the practical limit for the relay benchmark (issue 13): a minimal UDP forwarder in C.
 * Flow i: datagrams arriving on 127.0.0.1:IN+i leave from 127.0.0.1:OUT+i to 127.0.0.1:DST+i,
 * moved with recvmmsg/sendmmsg in batches of up to 64, no checks. Runs until killed.
 *
 *   fwd FLOWS IN OUT DST THREADS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

static int flows, in_port, out_port, dst_port, threads;
static int in_fd[1024], out_fd[1024];

static int udp_socket(int port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int buf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(fd, (struct sockaddr *) &a, sizeof a) != 0) { perror("fwd: bind"); exit(2); }
    return fd;
}

static void *loop(void *arg) {
    long id = (long) arg;
    int ep = epoll_create1(0);
    for (int f = id; f < flows; f += threads) {
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = f};
        epoll_ctl(ep, EPOLL_CTL_ADD, in_fd[f], &ev);
    }
    static __thread unsigned char bufs[64][2048];
    struct mmsghdr msgs[64];
    struct iovec iov[64];
    for (;;) {
        struct epoll_event evs[64];
        int ne = epoll_wait(ep, evs, 64, -1);
        for (int e = 0; e < ne; e++) {
            int f = evs[e].data.u32;
            struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(dst_port + f),
                                     .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
            for (;;) {
                for (int k = 0; k < 64; k++) {
                    iov[k].iov_base = bufs[k];
                    iov[k].iov_len = sizeof bufs[k];
                    memset(&msgs[k].msg_hdr, 0, sizeof msgs[k].msg_hdr);
                    msgs[k].msg_hdr.msg_iov = &iov[k];
                    msgs[k].msg_hdr.msg_iovlen = 1;
                }
                int r = recvmmsg(in_fd[f], msgs, 64, MSG_DONTWAIT, NULL);
                if (r <= 0) break;
                for (int k = 0; k < r; k++) {
                    iov[k].iov_len = msgs[k].msg_len;
                    msgs[k].msg_hdr.msg_name = &to;
                    msgs[k].msg_hdr.msg_namelen = sizeof to;
                }
                sendmmsg(out_fd[f], msgs, r, 0);
                if (r < 64) break;
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 6) { fprintf(stderr, "usage: fwd FLOWS IN OUT DST THREADS\n"); return 2; }
    flows = atoi(argv[1]); in_port = atoi(argv[2]); out_port = atoi(argv[3]); dst_port = atoi(argv[4]);
    threads = atoi(argv[5]);
    if (flows < 1 || flows > 1024 || threads < 1 || threads > 16) { fprintf(stderr, "fwd: bad arguments\n"); return 2; }
    for (int f = 0; f < flows; f++) { in_fd[f] = udp_socket(in_port + f); out_fd[f] = udp_socket(out_port + f); }
    pthread_t t[16];
    for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, loop, (void *) i);
    pthread_join(t[0], NULL);
    return 0;
}
