/*
 * mqtt_load.c - the MQTT load generator of Benchmarks/MQTT/mqtt_bench.py (compiled by it with `cc -O2`).
 *
 * Why raw sockets in C and not paho or libmosquitto: on a 2-core machine the generator shares the
 * CPU with the broker it measures, so it must spend as little as possible per message. This is
 * one single-threaded epoll loop over non-blocking sockets that pipelines pre-encoded MQTT 3.1.1
 * PUBLISH packets (many per write(2)), parses what comes back with a few byte comparisons and
 * batches PUBACKs. paho in Python tops out at a few tens of thousands of messages per second per
 * core and would measure itself; libmosquitto costs a malloc, a mutex and a packet queue entry
 * per message plus a thread per client with loop_start, and needs libmosquitto-dev. Both brokers
 * get the same generator, so the ratio is fair even if the absolute numbers are bounded by it.
 *
 * One run: S subscribers subscribe to TOPIC at QoS q, then P publishers publish to TOPIC (or,
 * with --auth-file, each to its own topic with its own credentials) at QoS q. Every payload
 * starts with the CLOCK_MONOTONIC time it was encoded at, so each subscriber measures end-to-end
 * latency. Flow control, so neither broker is flooded past what it can deliver:
 *   - QoS 1: at most --inflight unacknowledged PUBLISHes per publisher;
 *   - end to end (when there are subscribers): at most --window messages published but not yet
 *     received by every subscriber. --window 1 turns the run into a ping-pong latency probe.
 * The counters between --warmup and --warmup + --seconds give the rates. Prints one JSON object.
 *
 *   mqtt_load --port 1883 --publishers 4 --subscribers 1 --qos 1 --payload 64 --seconds 5
 *   mqtt_load --port 1883 --publishers 1 --subscribers 1 --window 1 --samples 2000   (latency)
 *   mqtt_load --port 1883 --auth-file devices.tsv --qos 1 --subscribers 0 --json-payload
 *
 * --auth-file lines: "username<TAB>password<TAB>topic[<TAB>client id]", one publisher per line.
 * --cayenne-payload publishes Cayenne readings ("temp,c=21.5") instead of MODE events (--json-payload).
 * Exit status 0 on success; on a refused CONNECT, a closed connection or no progress for 10 s,
 * prints {"error": ...} and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { PUB = 0, SUB = 1 };
enum { WAIT_CONNACK, WAIT_SUBACK, READY };

typedef struct {
    uint8_t *data;
    size_t len, off, cap;
} buf_t;

typedef struct {
    int fd, role, state, index;
    buf_t in, out;
    uint16_t next_pid;
    long inflight;
    uint64_t sent, acked, received;
    char user[256], pass[512], topic[512], client_id[128];
    int has_auth;
    double last_tx;
} conn_t;

static struct {
    const char *host;
    int port, publishers, subscribers, qos, payload, json_payload, cayenne_payload;
    double seconds, warmup;
    long window, inflight, samples, max_lat_samples;
    const char *topic, *user, *pass, *auth_file;
} opt = {"127.0.0.1", 1883, 1, 1, 0, 64, 0, 0, 5.0, 1.0, 2000, 100, 0, 2000000, "bench/load", NULL, NULL, NULL};

static conn_t *conns;
static int nconns, epfd;
static uint32_t *lat_us;
static long lat_n;
static uint64_t total_sent, total_received, total_acked;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void fail(const char *fmt, ...) {
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    printf("{\"error\": \"");
    for (char *p = msg; *p; p++) putchar(*p == '"' ? '\'' : *p);
    printf("\"}\n");
    fflush(stdout);
    exit(1);
}

static void buf_reserve(buf_t *b, size_t extra) {
    if (b->off && b->off == b->len) b->off = b->len = 0;
    if (b->len + extra <= b->cap) return;
    if (b->off) {  /* compact first */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->len + extra <= b->cap) return;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    b->data = realloc(b->data, cap);
    if (!b->data) fail("out of memory");
    b->cap = cap;
}

static void put(buf_t *b, const void *p, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static size_t varint(uint8_t *p, size_t n) {
    size_t i = 0;
    do {
        uint8_t byte = n % 128;
        n /= 128;
        p[i++] = byte | (n ? 0x80 : 0);
    } while (n);
    return i;
}

static void put_str(buf_t *b, const char *s) {
    size_t n = strlen(s);
    uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    put(b, len, 2);
    put(b, s, n);
}

static void send_connect(conn_t *c) {
    buf_t body = {0};
    const char *user = c->has_auth ? c->user : opt.user;
    const char *pass = c->has_auth ? c->pass : opt.pass;
    put_str(&body, "MQTT");
    uint8_t flags = 0x02 | (user && *user ? 0x80 : 0) | (pass && *pass ? 0x40 : 0);
    uint8_t hdr[4] = {4, flags, 0, 60}; /* MQTT 3.1.1, keep-alive 60 s (we ping every 20 s) */
    put(&body, hdr, 4);
    char id[128];
    if (c->has_auth && c->client_id[0]) snprintf(id, sizeof id, "%s", c->client_id);
    else snprintf(id, sizeof id, "load-%d-%c%d", (int)getpid(), c->role == PUB ? 'p' : 's', c->index);
    put_str(&body, id);
    if (user && *user) put_str(&body, user);
    if (pass && *pass) put_str(&body, pass);
    uint8_t fixed[5];
    fixed[0] = 0x10;
    size_t n = 1 + varint(fixed + 1, body.len);
    put(&c->out, fixed, n);
    put(&c->out, body.data, body.len);
    free(body.data);
}

static void send_subscribe(conn_t *c) {
    buf_t body = {0};
    uint8_t pid[2] = {0, 1};
    put(&body, pid, 2);
    put_str(&body, opt.topic);
    uint8_t q = (uint8_t)opt.qos;
    put(&body, &q, 1);
    uint8_t fixed[5];
    fixed[0] = 0x82;
    size_t n = 1 + varint(fixed + 1, body.len);
    put(&c->out, fixed, n);
    put(&c->out, body.data, body.len);
    free(body.data);
}

/* Appends one PUBLISH with the current time in its payload. */
static void append_publish(conn_t *c) {
    const char *topic = c->has_auth ? c->topic : opt.topic;
    size_t tlen = strlen(topic);
    char json[128];
    size_t plen;
    uint64_t t = now_ns();
    if (opt.json_payload) {
        plen = (size_t)snprintf(json, sizeof json, "{\"eventType\":\"bench\",\"eventData\":{\"t\":\"%016" PRIx64 "\"}}", t);
    } else if (opt.cayenne_payload) {
        plen = (size_t)snprintf(json, sizeof json, "temp,c=%" PRIu64 ".%" PRIu64, (t / 1000) % 40, t % 10);
    } else {
        plen = opt.payload < 8 ? 8 : (size_t)opt.payload;
    }
    size_t remaining = 2 + tlen + (opt.qos ? 2 : 0) + plen;
    uint8_t fixed[5];
    fixed[0] = 0x30 | (uint8_t)(opt.qos << 1);
    size_t n = 1 + varint(fixed + 1, remaining);
    buf_reserve(&c->out, n + remaining);
    uint8_t *p = c->out.data + c->out.len;
    memcpy(p, fixed, n);
    p += n;
    *p++ = (uint8_t)(tlen >> 8);
    *p++ = (uint8_t)tlen;
    memcpy(p, topic, tlen);
    p += tlen;
    if (opt.qos) {
        if (++c->next_pid == 0) c->next_pid = 1;
        *p++ = (uint8_t)(c->next_pid >> 8);
        *p++ = (uint8_t)c->next_pid;
    }
    if (opt.json_payload || opt.cayenne_payload) {
        memcpy(p, json, plen);
    } else {
        memcpy(p, &t, 8);
        memset(p + 8, 'x', plen - 8);
    }
    c->out.len += n + remaining;
    c->sent++;
    total_sent++;
    if (opt.qos) c->inflight++;
}

static void want_write(conn_t *c, int on) {
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int flush(conn_t *c) {
    while (c->out.off < c->out.len) {
        ssize_t w = write(c->fd, c->out.data + c->out.off, c->out.len - c->out.off);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            if (errno == EINTR) continue;
            fail("write to %s %d: %s", c->role == PUB ? "publisher" : "subscriber", c->index, strerror(errno));
        }
        c->out.off += (size_t)w;
        c->last_tx = now_s();
    }
    c->out.off = c->out.len = 0;
    return 1;
}

static int ready_subscribers(void) {
    int n = 0;
    for (int i = 0; i < nconns; i++) n += conns[i].role == SUB && conns[i].state == READY;
    return n;
}

static int measuring;  /* set between warm-up and the end: latency samples are kept only then */

static void handle_packet(conn_t *c, uint8_t type, uint8_t flags, const uint8_t *body, size_t len) {
    switch (type) {
    case 2: /* CONNACK */
        if (len < 2 || body[1] != 0) fail("CONNACK refused (code %d) for %s %d", len >= 2 ? body[1] : -1,
                                          c->role == PUB ? "publisher" : "subscriber", c->index);
        if (c->role == SUB) {
            send_subscribe(c);
            c->state = WAIT_SUBACK;
        } else {
            c->state = READY;
        }
        break;
    case 9: /* SUBACK */
        if (len < 3 || body[2] >= 0x80) fail("SUBACK refused for subscriber %d", c->index);
        c->state = READY;
        break;
    case 3: { /* PUBLISH */
        if (len < 2) fail("short PUBLISH");
        size_t tlen = ((size_t)body[0] << 8) | body[1];
        size_t off = 2 + tlen;
        int q = (flags >> 1) & 3;
        if (q) {
            uint8_t ack[4] = {0x40, 2, body[off], body[off + 1]};
            put(&c->out, ack, 4);
            off += 2;
        }
        c->received++;
        total_received++;
        if (measuring && len >= off + 8 && lat_n < opt.max_lat_samples) {
            uint64_t t;
            memcpy(&t, body + off, 8);
            uint64_t d = now_ns() - t;
            lat_us[lat_n++] = (uint32_t)(d / 1000 > UINT32_MAX ? UINT32_MAX : d / 1000);
        }
        break;
    }
    case 4: /* PUBACK */
        c->inflight--;
        c->acked++;
        total_acked++;
        break;
    case 13: /* PINGRESP */
        break;
    default:
        fail("unexpected packet type %d", type);
    }
}

static void on_readable(conn_t *c) {
    for (;;) {
        buf_reserve(&c->in, 65536);
        size_t want = c->in.cap - c->in.len;
        ssize_t r = read(c->fd, c->in.data + c->in.len, want);
        if (r == 0) fail("%s %d: connection closed by the broker", c->role == PUB ? "publisher" : "subscriber", c->index);
        if (r < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == EINTR) continue;
            fail("read: %s", strerror(errno));
        }
        c->in.len += (size_t)r;
        /* parse every complete packet */
        while (c->in.len - c->in.off >= 2) {
            const uint8_t *p = c->in.data + c->in.off;
            size_t avail = c->in.len - c->in.off, len = 0, i = 1;
            int shift = 0, complete = 0;
            while (i < avail && i <= 4) {
                len |= (size_t)(p[i] & 0x7F) << shift;
                shift += 7;
                if (!(p[i++] & 0x80)) { complete = 1; break; }
            }
            if (!complete || avail < i + len) break;
            handle_packet(c, p[0] >> 4, p[0] & 0x0F, p + i, len);
            c->in.off += i + len;
        }
        if (c->in.off == c->in.len) c->in.off = c->in.len = 0;
        if ((size_t)r < want) break;
    }
}

/* How many more messages the publishers may send now (end-to-end window). */
static long e2e_budget(int subs) {
    if (!subs) return 1L << 40;
    long outstanding = (long)(total_sent - total_received / (uint64_t)subs);
    return opt.window - outstanding;
}

static void fill_publisher(conn_t *c, long *budget) {
    int added = 0;
    /* batch up to ~64 KiB per write */
    while (*budget > 0 && c->out.len - c->out.off < 65536 && (!opt.qos || c->inflight < opt.inflight)) {
        append_publish(c);
        (*budget)--;
        added++;
    }
    if (added || c->out.len > c->out.off) {
        if (!flush(c)) want_write(c, 1);
    }
}

static int parse_args(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define ARG(name) (!strcmp(a, name) && v && (i++, 1))
        if (ARG("--host")) opt.host = v;
        else if (ARG("--port")) opt.port = atoi(v);
        else if (ARG("--publishers")) opt.publishers = atoi(v);
        else if (ARG("--subscribers")) opt.subscribers = atoi(v);
        else if (ARG("--qos")) opt.qos = atoi(v);
        else if (ARG("--payload")) opt.payload = atoi(v);
        else if (ARG("--seconds")) opt.seconds = atof(v);
        else if (ARG("--warmup")) opt.warmup = atof(v);
        else if (ARG("--window")) opt.window = atol(v);
        else if (ARG("--inflight")) opt.inflight = atol(v);
        else if (ARG("--samples")) opt.samples = atol(v);
        else if (ARG("--topic")) opt.topic = v;
        else if (ARG("--user")) opt.user = v;
        else if (ARG("--pass")) opt.pass = v;
        else if (ARG("--auth-file")) opt.auth_file = v;
        else if (!strcmp(a, "--json-payload")) opt.json_payload = 1;
        else if (!strcmp(a, "--cayenne-payload")) opt.cayenne_payload = 1;
        else {
            fprintf(stderr, "unknown or incomplete argument %s\n", a);
            return 0;
        }
#undef ARG
    }
    return opt.qos >= 0 && opt.qos <= 1 && opt.seconds > 0 && opt.seconds <= 600 && opt.window > 0;
}

static void open_conn(conn_t *c) {
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    if (inet_pton(AF_INET, opt.host, &sa.sin_addr) != 1) fail("bad host %s", opt.host);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0) fail("socket: %s", strerror(errno));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) fail("connect: %s", strerror(errno));
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
    send_connect(c);
    if (!flush(c)) want_write(c, 1);
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    if (!parse_args(argc, argv)) {
        fprintf(stderr, "usage: see the comment at the top of mqtt_load.c\n");
        return 2;
    }
    /* publishers from --auth-file */
    char (*auth)[4][512] = NULL;
    int nauth = 0;
    if (opt.auth_file) {
        FILE *f = fopen(opt.auth_file, "r");
        if (!f) fail("cannot open %s", opt.auth_file);
        char line[2048];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = 0;
            char *u = strtok(line, "\t"), *p = strtok(NULL, "\t"), *t = strtok(NULL, "\t"), *id = strtok(NULL, "\t");
            if (!u || !p || !t) continue;
            auth = realloc(auth, sizeof *auth * (size_t)(nauth + 1));
            snprintf(auth[nauth][0], 512, "%s", u);
            snprintf(auth[nauth][1], 512, "%s", p);
            snprintf(auth[nauth][2], 512, "%s", t);
            snprintf(auth[nauth][3], 512, "%s", id ? id : "");
            nauth++;
        }
        fclose(f);
        opt.publishers = nauth;
    }
    nconns = opt.publishers + opt.subscribers;
    conns = calloc((size_t)nconns, sizeof *conns);
    lat_us = malloc(sizeof *lat_us * (size_t)opt.max_lat_samples);
    epfd = epoll_create1(0);
    /* subscribers first, so no message is published before everyone listens */
    for (int i = 0; i < opt.subscribers; i++) {
        conn_t *c = &conns[opt.publishers + i];
        c->role = SUB;
        c->index = i;
        open_conn(c);
    }
    for (int i = 0; i < opt.publishers; i++) {
        conn_t *c = &conns[i];
        c->role = PUB;
        c->index = i;
        if (i < nauth) {
            c->has_auth = 1;
            snprintf(c->user, sizeof c->user, "%s", auth[i][0]);
            snprintf(c->pass, sizeof c->pass, "%s", auth[i][1]);
            snprintf(c->topic, sizeof c->topic, "%s", auth[i][2]);
            snprintf(c->client_id, sizeof c->client_id, "%s", auth[i][3]);
        }
    }

    struct epoll_event events[256];
    double start = now_s(), t_measure = 0, t_end = 0, last_progress = start;
    int publishers_open = 0;
    uint64_t sent0 = 0, recv0 = 0, acked0 = 0, sent1 = 0, recv1 = 0, acked1 = 0, last_total = 0;
    for (;;) {
        double t = now_s();
        /* phase changes */
        if (!publishers_open && ready_subscribers() == opt.subscribers) {
            for (int i = 0; i < opt.publishers; i++) open_conn(&conns[i]);
            publishers_open = 1;
        }
        if (publishers_open && !t_measure) {
            int all = 1;
            for (int i = 0; i < opt.publishers; i++) all &= conns[i].state == READY;
            if (all) {
                t_measure = t + opt.warmup;
                t_end = t_measure + opt.seconds;
            }
        }
        if (t_measure && !measuring && t >= t_measure) {
            measuring = 1;
            sent0 = total_sent, recv0 = total_received, acked0 = total_acked;
        }
        if (measuring && (t >= t_end || (opt.samples && lat_n >= opt.samples))) {
            sent1 = total_sent, recv1 = total_received, acked1 = total_acked;
            t_end = t;
            break;
        }
        if (total_received + total_acked + total_sent != last_total) {
            last_total = total_received + total_acked + total_sent;
            last_progress = t;
        } else if (t - last_progress > 10) {
            fail("no progress for 10 s (sent %" PRIu64 ", received %" PRIu64 ", acked %" PRIu64 ")",
                 total_sent, total_received, total_acked);
        }
        /* publish within the windows */
        if (t_measure) {
            long budget = e2e_budget(opt.subscribers);
            for (int i = 0; i < opt.publishers && budget > 0; i++) {
                int k = (int)((i + total_sent) % (uint64_t)opt.publishers); /* rotate who goes first */
                fill_publisher(&conns[k], &budget);
            }
        }
        /* keep-alive */
        for (int i = 0; i < nconns; i++) {
            conn_t *c = &conns[i];
            if (c->fd && c->state == READY && t - c->last_tx > 20) {
                uint8_t ping[2] = {0xC0, 0};
                put(&c->out, ping, 2);
                if (!flush(c)) want_write(c, 1);
            }
        }
        int n = epoll_wait(epfd, events, 256, 1);
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
            if (c->out.len > c->out.off) {
                if (flush(c)) want_write(c, 0);
                else want_write(c, 1);
            } else if (events[i].events & EPOLLOUT) {
                want_write(c, 0);
            }
        }
        if (t - start > opt.warmup + opt.seconds + 60) fail("run took too long");
    }
    double secs = t_end - t_measure;
    qsort(lat_us, (size_t)lat_n, sizeof *lat_us, cmp_u32);
#define PCT(p) (lat_n ? lat_us[(size_t)((lat_n - 1) * (p))] : 0)
    printf("{\"seconds\": %.3f, \"published_per_s\": %.1f, \"acked_per_s\": %.1f, \"delivered_per_s\": %.1f, "
           "\"latency_samples\": %ld, \"latency_p50_us\": %u, \"latency_p99_us\": %u, \"latency_max_us\": %u}\n",
           secs, (sent1 - sent0) / secs, (acked1 - acked0) / secs, (recv1 - recv0) / secs, lat_n, PCT(0.50),
           PCT(0.99), lat_n ? lat_us[lat_n - 1] : 0);
    return 0;
}
