/*
 * Batched UDP receive and send for the relay and the STUN service: recvmmsg(2) and sendmmsg(2),
 * which the JDK's DatagramChannel lacks. The Java side is dev.switchboard.node.udp.BatchedDatagramIo; it
 * holds one batch per event loop thread and reads and writes the batch's two shared areas
 * directly (direct ByteBuffers over the memory allocated here):
 *
 *   data: SLOTS slots of SLOT_BYTES bytes, one received datagram each; a datagram is sent from
 *         a slot (a forwarded one from the slot it arrived in: no copy).
 *   meta: SLOTS receive entries, then SLOTS send entries, META_BYTES each, native byte order:
 *         receive entry: int length, int port, int scope id, int unused, byte[16] address
 *         send entry:    int slot, int length (-1 after a failed send), int port, int scope id,
 *                        byte[16] address
 *         Addresses are IPv6; an IPv4 address is IPv4-mapped (::ffff:a.b.c.d, RFC 4291 §2.5.5.2).
 *
 * No function here allocates, blocks or keeps a reference to a Java object.
 */
#define _GNU_SOURCE
#include <jni.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define SLOTS 64
#define SLOT_BYTES 65536
#define META_BYTES 32

struct batch {
    struct mmsghdr rx[SLOTS];
    struct iovec rx_iov[SLOTS];
    struct sockaddr_in6 rx_name[SLOTS];
    struct mmsghdr tx[SLOTS];
    struct iovec tx_iov[SLOTS];
    struct sockaddr_in6 tx_name[SLOTS];
    unsigned char meta[2 * SLOTS * META_BYTES];
    unsigned char *data;
};

static const unsigned char V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

static inline struct batch *batch_of(jlong handle) {
    return (struct batch *) (intptr_t) handle;
}

JNIEXPORT jlong JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_create(
        JNIEnv *env, jclass cls, jint slots, jint slot_bytes, jint meta_bytes) {
    (void) env;
    (void) cls;
    if (slots != SLOTS || slot_bytes != SLOT_BYTES || meta_bytes != META_BYTES) {
        return 0; /* the Java side and this library disagree on the layout */
    }
    struct batch *b = calloc(1, sizeof(struct batch));
    if (b == NULL) {
        return 0;
    }
    /* mapped, not allocated: only the pages a datagram is written to become resident */
    void *data = mmap(NULL, (size_t) SLOTS * SLOT_BYTES, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED) {
        free(b);
        return 0;
    }
    b->data = data;
    for (int i = 0; i < SLOTS; i++) {
        b->rx_iov[i].iov_base = b->data + (size_t) i * SLOT_BYTES;
        b->rx_iov[i].iov_len = SLOT_BYTES;
        b->rx[i].msg_hdr.msg_iov = &b->rx_iov[i];
        b->rx[i].msg_hdr.msg_iovlen = 1;
        b->rx[i].msg_hdr.msg_name = &b->rx_name[i];
        b->tx[i].msg_hdr.msg_iov = &b->tx_iov[i];
        b->tx[i].msg_hdr.msg_iovlen = 1;
        b->tx[i].msg_hdr.msg_name = &b->tx_name[i];
    }
    return (jlong) (intptr_t) b;
}

JNIEXPORT jobject JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_data(
        JNIEnv *env, jclass cls, jlong handle) {
    (void) cls;
    return (*env)->NewDirectByteBuffer(env, batch_of(handle)->data, (jlong) SLOTS * SLOT_BYTES);
}

JNIEXPORT jobject JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_meta(
        JNIEnv *env, jclass cls, jlong handle) {
    (void) cls;
    return (*env)->NewDirectByteBuffer(env, batch_of(handle)->meta, (jlong) sizeof(batch_of(handle)->meta));
}

JNIEXPORT void JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_destroy(
        JNIEnv *env, jclass cls, jlong handle) {
    (void) env;
    (void) cls;
    struct batch *b = batch_of(handle);
    if (b != NULL) {
        munmap(b->data, (size_t) SLOTS * SLOT_BYTES);
        free(b);
    }
}

/* The file descriptor of a JDK DatagramChannel (its implementation's int field fdVal), or -1. */
JNIEXPORT jint JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_fd(
        JNIEnv *env, jclass cls, jobject channel) {
    (void) cls;
    jclass type = (*env)->GetObjectClass(env, channel);
    jfieldID field = (*env)->GetFieldID(env, type, "fdVal", "I");
    if (field == NULL) {
        (*env)->ExceptionClear(env); /* NoSuchFieldError: another JDK's implementation */
        return -1;
    }
    return (*env)->GetIntField(env, channel, field);
}

/* The address family of the socket fd (AF_INET6 for a dual-stack socket), or -errno. */
JNIEXPORT jint JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_family(
        JNIEnv *env, jclass cls, jint fd) {
    (void) env;
    (void) cls;
    struct sockaddr_storage name;
    socklen_t length = sizeof(name);
    if (getsockname(fd, (struct sockaddr *) &name, &length) != 0) {
        return -errno;
    }
    return name.ss_family;
}

/*
 * Receives up to SLOTS datagrams without waiting (MSG_DONTWAIT) into the data slots and fills
 * the receive entries. Returns how many arrived (>= 1), or -errno (-EAGAIN: none waiting).
 */
JNIEXPORT jint JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_receive(
        JNIEnv *env, jclass cls, jint fd, jlong handle) {
    (void) env;
    (void) cls;
    struct batch *b = batch_of(handle);
    for (int i = 0; i < SLOTS; i++) {
        b->rx[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
        b->rx[i].msg_hdr.msg_flags = 0;
    }
    int n;
    do {
        n = recvmmsg(fd, b->rx, SLOTS, MSG_DONTWAIT, NULL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return -errno;
    }
    for (int i = 0; i < n; i++) {
        unsigned char *entry = b->meta + i * META_BYTES;
        int32_t length = (int32_t) b->rx[i].msg_len;
        int32_t port = 0;
        int32_t scope = 0;
        unsigned char address[16] = {0};
        const struct sockaddr *name = (const struct sockaddr *) &b->rx_name[i];
        if (name->sa_family == AF_INET6) {
            const struct sockaddr_in6 *in6 = &b->rx_name[i];
            port = ntohs(in6->sin6_port);
            scope = (int32_t) in6->sin6_scope_id;
            memcpy(address, &in6->sin6_addr, 16);
        } else if (name->sa_family == AF_INET) {
            const struct sockaddr_in *in4 = (const struct sockaddr_in *) name;
            port = ntohs(in4->sin_port);
            memcpy(address, V4_MAPPED, 12);
            memcpy(address + 12, &in4->sin_addr, 4);
        } else {
            length = -1; /* no usable source address: the Java side drops it */
        }
        memcpy(entry, &length, 4);
        memcpy(entry + 4, &port, 4);
        memcpy(entry + 8, &scope, 4);
        memset(entry + 12, 0, 4);
        memcpy(entry + 16, address, 16);
    }
    return n;
}

/*
 * Sends the first count send entries from the socket fd (IPv6 when ipv6 is true, else IPv4),
 * each from its data slot. A datagram the kernel refuses (an ICMP error surfacing, an address
 * the socket cannot reach) gets length -1 and the rest are still sent; a full socket buffer
 * (EAGAIN, ENOBUFS) ends the call. Returns the index of the first entry not tried: entries
 * before it were sent unless marked -1, entries from it on were not sent.
 */
JNIEXPORT jint JNICALL Java_dev_switchboard_node_udp_BatchedDatagramIo_send(
        JNIEnv *env, jclass cls, jint fd, jboolean ipv6, jlong handle, jint count) {
    (void) env;
    (void) cls;
    struct batch *b = batch_of(handle);
    if (count < 0 || count > SLOTS) {
        return 0;
    }
    for (int i = 0; i < count; i++) {
        unsigned char *entry = b->meta + (SLOTS + i) * META_BYTES;
        int32_t slot, length, port, scope;
        memcpy(&slot, entry, 4);
        memcpy(&length, entry + 4, 4);
        memcpy(&port, entry + 8, 4);
        memcpy(&scope, entry + 12, 4);
        if (slot < 0 || slot >= SLOTS || length < 0 || length > SLOT_BYTES) {
            slot = 0;
            length = 0; /* never read outside the data area, whatever the Java side wrote */
        }
        b->tx_iov[i].iov_base = b->data + (size_t) slot * SLOT_BYTES;
        b->tx_iov[i].iov_len = (size_t) length;
        struct sockaddr_in6 *name = &b->tx_name[i];
        if (ipv6) {
            memset(name, 0, sizeof(*name));
            name->sin6_family = AF_INET6;
            name->sin6_port = htons((uint16_t) port);
            name->sin6_scope_id = (uint32_t) scope;
            memcpy(&name->sin6_addr, entry + 16, 16);
            b->tx[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in6);
        } else {
            struct sockaddr_in *in4 = (struct sockaddr_in *) name;
            memset(in4, 0, sizeof(*in4));
            in4->sin_family = AF_INET;
            in4->sin_port = htons((uint16_t) port);
            memcpy(&in4->sin_addr, entry + 16 + 12, 4);
            /* an IPv6 destination on an IPv4 socket: sendmmsg refuses it (EINVAL) and it is marked */
            b->tx[i].msg_hdr.msg_namelen = memcmp(entry + 16, V4_MAPPED, 12) == 0
                    ? sizeof(struct sockaddr_in) : 1;
        }
        b->tx[i].msg_hdr.msg_flags = 0;
    }
    int i = 0;
    int tries = 0;
    while (i < count && tries++ <= 2 * SLOTS) {
        int sent = sendmmsg(fd, b->tx + i, (unsigned int) (count - i), MSG_DONTWAIT);
        if (sent > 0) {
            i += sent;
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
            break;
        } else {
            int32_t failed = -1; /* this datagram was refused: skip it, send the rest */
            memcpy(b->meta + (SLOTS + i) * META_BYTES + 4, &failed, 4);
            i++;
        }
    }
    return i;
}
