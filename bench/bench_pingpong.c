/* bench_pingpong.c -- the raw-socket baseline of the replay benchmark (bench/bench_replay.py,
 * issue 5 point 8): a client that does nothing but send pre-encoded requests and read replies
 * of known sizes, one at a time, against the same server `virtwire replay` is measured on.
 *
 * Usage: bench_pingpong URI SCRIPT REPS
 *   URI     unix:PATH or tcp:HOST:PORT (IPv4 dotted quad or a name getaddrinfo resolves)
 *   SCRIPT  one exchange per line: "REQUEST_HEX REPLY_LEN" (bench_replay.py writes it from
 *           the bytes `virtwire replay` sent and received on the same transcript)
 *   REPS    connections; each runs every exchange of SCRIPT once, in order, then closes
 *
 * Per exchange: write the request (MSG_NOSIGNAL, looping on short writes), then recvmsg until
 * exactly REPLY_LEN bytes have arrived; fds passed by SCM_RIGHTS are counted and closed.  No
 * decoding, no matching: this is the floor a conformance runner's own work sits on.  Every
 * read waits at most 10 s (poll); a closed connection, a timeout or more bytes than expected
 * is an error (exit 1).  Prints one line:
 *   msgs=N reps=R seconds=S msgs_per_s=X fds=F bytes_out=O bytes_in=I
 * where S is the wall time from the first connect to the last close (CLOCK_MONOTONIC). */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PP_TIMEOUT_MS 10000        /* per read */
#define PP_LINE_MAX (1u << 20)     /* one SCRIPT line: a request of up to ~512 KiB */
#define PP_FDS_MAX 16              /* SCM_RIGHTS space per recvmsg */

struct pp_exchange {
    uint8_t *req;
    size_t req_len;
    size_t reply_len;
};

struct pp_script {
    struct pp_exchange *v;
    size_t n;
    size_t max_reply;
};

static _Noreturn void pp_die(const char *what, const char *detail) {
    fprintf(stderr, "bench_pingpong: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static int pp_hex(int c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* pp_script_load reads SCRIPT ("HEX LEN" per line; blank lines ignored). */
static void pp_script_load(struct pp_script *s, const char *path) {
    FILE *f = fopen(path, "r");
    char *line = malloc(PP_LINE_MAX);
    unsigned lineno = 0;

    if (f == NULL || line == NULL) {
        pp_die(path, strerror(errno));
    }
    memset(s, 0, sizeof(*s));
    while (fgets(line, PP_LINE_MAX, f) != NULL) {
        size_t hex_len = strcspn(line, " \t\n");
        char *end;
        struct pp_exchange e;
        struct pp_exchange *v;

        lineno++;
        if (hex_len == 0) {
            continue;
        }
        if (hex_len % 2 != 0 || line[hex_len] != ' ') {
            fprintf(stderr, "bench_pingpong: %s:%u: want \"HEX LEN\"\n", path, lineno);
            exit(1);
        }
        e.req_len = hex_len / 2;
        e.req = malloc(e.req_len);
        if (e.req == NULL) {
            pp_die("out of memory", NULL);
        }
        for (size_t i = 0; i < e.req_len; i++) {
            int hi = pp_hex(line[2 * i]), lo = pp_hex(line[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                fprintf(stderr, "bench_pingpong: %s:%u: bad hex\n", path, lineno);
                exit(1);
            }
            e.req[i] = (uint8_t)(hi << 4 | lo);
        }
        errno = 0;
        unsigned long long n = strtoull(line + hex_len + 1, &end, 10);
        if (errno != 0 || end == line + hex_len + 1 || n == 0 || n > (1u << 26)) {
            fprintf(stderr, "bench_pingpong: %s:%u: bad reply length\n", path, lineno);
            exit(1);
        }
        e.reply_len = (size_t)n;
        if ((v = realloc(s->v, (s->n + 1) * sizeof(*v))) == NULL) {
            pp_die("out of memory", NULL);
        }
        s->v = v;
        s->v[s->n++] = e;
        if (e.reply_len > s->max_reply) {
            s->max_reply = e.reply_len;
        }
    }
    free(line);
    fclose(f);
    if (s->n == 0) {
        pp_die(path, "no exchanges");
    }
}

static int pp_connect(const char *uri) {
    int fd = -1;

    if (strncmp(uri, "unix:", 5) == 0) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(uri + 5) >= sizeof(sa.sun_path)) {
            pp_die(uri, "path too long");
        }
        strcpy(sa.sun_path, uri + 5);
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
            || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            pp_die(uri, strerror(errno));
        }
        return fd;
    }
    if (strncmp(uri, "tcp:", 4) == 0) {
        char host[256];
        const char *colon = strrchr(uri + 4, ':');
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
        size_t host_len = colon ? (size_t)(colon - (uri + 4)) : 0;

        if (colon == NULL || host_len == 0 || host_len >= sizeof(host)) {
            pp_die(uri, "want tcp:HOST:PORT");
        }
        memcpy(host, uri + 4, host_len);
        host[host_len] = '\0';
        if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) {
            pp_die(uri, "cannot resolve");
        }
        if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0
            || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            pp_die(uri, strerror(errno));
        }
        freeaddrinfo(ai);
        return fd;
    }
    pp_die(uri, "want unix:PATH or tcp:HOST:PORT");
}

static void pp_send(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            pp_die("send", strerror(errno));
        }
        p += w;
        n -= (size_t)w;
    }
}

/* pp_recv reads exactly |n| bytes into |buf|; counts and closes passed fds in |*fds|. */
static void pp_recv(int fd, uint8_t *buf, size_t n, size_t *fds) {
    size_t got = 0;

    while (got < n) {
        union {
            struct cmsghdr h;
            char space[CMSG_SPACE(PP_FDS_MAX * sizeof(int))];
        } ctl;
        struct iovec iov = { .iov_base = buf + got, .iov_len = n - got };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
                             .msg_controllen = sizeof(ctl.space) };
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t r;

        if (poll(&pfd, 1, PP_TIMEOUT_MS) == 0) {
            pp_die("recv", "timeout");
        }
        r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            pp_die("recv", r == 0 ? "server closed the connection" : strerror(errno));
        }
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                for (size_t i = 0; i < k; i++) {
                    int passed;
                    memcpy(&passed, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                    close(passed);
                    (*fds)++;
                }
            }
        }
        got += (size_t)r;
    }
}

static double pp_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    struct pp_script s;
    size_t fds = 0, out = 0, in = 0;
    char *end;
    unsigned long reps;
    uint8_t *buf;
    double t0, t1;

    if (argc != 4) {
        fprintf(stderr, "usage: bench_pingpong unix:PATH|tcp:HOST:PORT SCRIPT REPS\n");
        return 2;
    }
    reps = strtoul(argv[3], &end, 10);
    if (*end != '\0' || reps == 0 || reps > 1000000) {
        fprintf(stderr, "bench_pingpong: REPS must be 1..1000000\n");
        return 2;
    }
    pp_script_load(&s, argv[2]);
    if ((buf = malloc(s.max_reply)) == NULL) {
        pp_die("out of memory", NULL);
    }
    t0 = pp_now();
    for (unsigned long r = 0; r < reps; r++) {
        int fd = pp_connect(argv[1]);
        for (size_t i = 0; i < s.n; i++) {
            pp_send(fd, s.v[i].req, s.v[i].req_len);
            pp_recv(fd, buf, s.v[i].reply_len, &fds);
            out += s.v[i].req_len;
            in += s.v[i].reply_len;
        }
        close(fd);
    }
    t1 = pp_now();
    printf("msgs=%zu reps=%lu seconds=%.6f msgs_per_s=%.1f fds=%zu bytes_out=%zu bytes_in=%zu\n",
           s.n * reps, reps, t1 - t0, (double)(s.n * reps) / (t1 - t0), fds, out, in);
    for (size_t i = 0; i < s.n; i++) {
        free(s.v[i].req);
    }
    free(s.v);
    free(buf);
    return 0;
}
