/* t_fdpass.c -- unit tests of vw_fd_send / vw_fd_recv (harness/fdpass.h) on socketpairs:
 * 0, 1, 2, 32 and 253 fds; more than max_fds; MSG_CTRUNC; a non-SCM_RIGHTS control message
 * (SCM_CREDENTIALS with SO_PASSCRED); a write split by a full socket buffer; timeout and end
 * of stream; bad arguments.  Every case checks the process's fd count (/proc/self/fd) before
 * and after, so an fd leaked on any path fails the run.  Exit status: 0 all passed, 1 not. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fdpass.h"

static int failures, cases;

#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "t_fdpass: %s:%d: %s: failed: %s\n", __FILE__, __LINE__, \
                    current, #cond);                                              \
            failures++;                                                           \
        }                                                                         \
    } while (0)

static const char *current = "";

static void pair(int sv[2]) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        perror("socketpair");
        exit(1);
    }
}

/* open_many opens |n| fds of /dev/null into |fds|. */
static void open_many(int *fds, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if ((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
            perror("/dev/null");
            exit(1);
        }
    }
}

static bool same_file(int a, int b) {
    struct stat sa, sb;

    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* send_recv sends "msg" with |num_send| fds and receives with room for |max_fds|; checks the
 * return value is |want| (bytes, or a code), the fds that arrived are the ones sent and
 * close-on-exec, and that no fd is left over when everything is closed. */
static void send_recv(const char *name, size_t num_send, size_t max_fds, ssize_t want,
                      bool want_ctrunc) {
    int before = vw_fd_count(), sv[2], sent[VW_FDPASS_MAX_FDS], got[VW_FDPASS_MAX_FDS];
    char buf[16];
    size_t num_got = 99;
    bool ctrunc = !want_ctrunc;
    ssize_t n;

    current = name;
    cases++;
    pair(sv);
    open_many(sent, num_send);
    EXPECT(vw_fd_send(sv[0], "msg", 3, sent, num_send) == 0);
    n = vw_fd_recv(sv[1], buf, sizeof(buf), got, max_fds, &num_got, &ctrunc, 1000);
    EXPECT(n == want);
    EXPECT(ctrunc == want_ctrunc);
    if (n >= 0) {
        EXPECT(n == 3 && memcmp(buf, "msg", 3) == 0);
        EXPECT(num_got == num_send);
        for (size_t i = 0; i < num_got && i < num_send; i++) {
            EXPECT(same_file(got[i], sent[i]));
            EXPECT(fcntl(got[i], F_GETFD) == FD_CLOEXEC);  /* MSG_CMSG_CLOEXEC */
        }
        vw_fd_close_all(got, num_got);
    } else {
        EXPECT(num_got == 0);
    }
    vw_fd_close_all(sent, num_send);
    close(sv[0]);
    close(sv[1]);
    EXPECT(vw_fd_count() == before);
}

static void test_credentials(size_t num_send, size_t max_fds, ssize_t want) {
    int before = vw_fd_count(), sv[2], sent[4], got[VW_FDPASS_MAX_FDS], on = 1;
    char buf[8];
    size_t num_got = 99;
    bool ctrunc;

    current = num_send == 0 ? "SCM_CREDENTIALS alone" : "SCM_CREDENTIALS with SCM_RIGHTS";
    cases++;
    pair(sv);
    EXPECT(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
    open_many(sent, num_send);
    EXPECT(vw_fd_send(sv[0], "c", 1, sent, num_send) == 0);
    EXPECT(vw_fd_recv(sv[1], buf, sizeof(buf), got, max_fds, &num_got, &ctrunc, 1000) == want);
    EXPECT(num_got == 0);
    vw_fd_close_all(sent, num_send);
    close(sv[0]);
    close(sv[1]);
    EXPECT(vw_fd_count() == before);
}

#define BIG (4u << 20)

struct reader {
    int sock;
    size_t bytes, num_fds;
    bool ok;
    unsigned char *data;
};

static void *read_all(void *arg) {
    struct reader *r = arg;
    int fds[4];

    r->ok = true;
    while (r->bytes < BIG) {
        size_t num = 0;
        bool ctrunc;
        ssize_t n = vw_fd_recv(r->sock, r->data + r->bytes, BIG - r->bytes, fds, 4, &num,
                               &ctrunc, 5000);
        if (n <= 0) {
            r->ok = false;
            break;
        }
        r->bytes += (size_t)n;
        r->num_fds += num;
        vw_fd_close_all(fds, num);
    }
    return NULL;
}

/* A write larger than the socket buffer, on a non-blocking socket: vw_fd_send goes on after
 * partial writes and EAGAIN; the fd rides on the first byte only, so exactly one arrives. */
static void test_partial_writes(void) {
    int before = vw_fd_count(), sv[2], fd, small = 4096;
    unsigned char *out = malloc(BIG);
    struct reader r = { .data = malloc(BIG) };
    pthread_t th;

    current = "partial writes";
    cases++;
    if (out == NULL || r.data == NULL) {
        exit(1);
    }
    for (size_t i = 0; i < BIG; i++) {
        out[i] = (unsigned char)(i * 7 + (i >> 12));
    }
    pair(sv);
    EXPECT(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
    EXPECT(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
    open_many(&fd, 1);
    r.sock = sv[1];
    if (pthread_create(&th, NULL, read_all, &r) != 0) {
        exit(1);
    }
    EXPECT(vw_fd_send(sv[0], out, BIG, &fd, 1) == 0);
    pthread_join(th, NULL);
    EXPECT(r.ok && r.bytes == BIG && memcmp(out, r.data, BIG) == 0);
    EXPECT(r.num_fds == 1);
    close(fd);
    close(sv[0]);
    close(sv[1]);
    free(out);
    free(r.data);
    EXPECT(vw_fd_count() == before);
}

static void test_timeout_eof_args(void) {
    int before = vw_fd_count(), sv[2], fds[VW_FDPASS_MAX_FDS + 1] = { 0 };
    char buf[4];
    size_t num;
    bool ctrunc;

    current = "timeout, end of stream, bad arguments";
    cases++;
    pair(sv);
    errno = 0;
    EXPECT(vw_fd_recv(sv[1], buf, sizeof(buf), fds, 1, &num, &ctrunc, 20) == VW_E_AGAIN);
    EXPECT(errno == ETIMEDOUT);
    EXPECT(vw_fd_send(sv[0], "x", 0, NULL, 0) == VW_E_INVALID);        /* no byte to ride */
    EXPECT(vw_fd_send(sv[0], "x", 1, fds, VW_FDPASS_MAX_FDS + 1) == VW_E_INVALID);
    EXPECT(vw_fd_recv(sv[1], buf, sizeof(buf), fds, VW_FDPASS_MAX_FDS + 1, &num, &ctrunc,
                      0) == VW_E_INVALID);
    close(sv[0]);
    EXPECT(vw_fd_recv(sv[1], buf, sizeof(buf), fds, 1, &num, &ctrunc, 1000) == 0);
    EXPECT(num == 0);
    EXPECT(vw_fd_send(sv[1], "x", 1, NULL, 0) == VW_E_INVALID && errno == EPIPE);
    close(sv[1]);
    EXPECT(vw_fd_count() == before);
}

int main(void) {
    /* CMSG_SPACE(n * 4) is 8-aligned on LP64: room for max_fds, or max_fds + 1 when odd */
    size_t room1 = (CMSG_SPACE(sizeof(int)) - CMSG_LEN(0)) / sizeof(int);

    send_recv("0 fds", 0, 4, 3, false);
    send_recv("0 fds, no control buffer", 0, 0, 3, false);
    send_recv("1 fd", 1, 1, 3, false);
    send_recv("2 fds", 2, 2, 3, false);
    send_recv("32 fds", 32, 32, 3, false);
    send_recv("253 fds (SCM_MAX_FD)", VW_FDPASS_MAX_FDS, VW_FDPASS_MAX_FDS, 3, false);
    if (room1 > 1) {
        /* both fit in the padded buffer: the count check refuses the extra one */
        send_recv("2 fds, max 1: VW_E_FDS", 2, 1, VW_E_FDS, false);
    }
    send_recv("3 fds, max 2: MSG_CTRUNC", 3, 2, VW_E_CTRUNC, true);
    send_recv("8 fds, max 1: MSG_CTRUNC", 8, 1, VW_E_CTRUNC, true);
    send_recv("1 fd, no control buffer: MSG_CTRUNC", 1, 0, VW_E_CTRUNC, true);
    send_recv("33 fds, max 32: MSG_CTRUNC", 33, 32, VW_E_CTRUNC, true);
    test_credentials(0, 4, VW_E_MSG_TYPE);
    test_credentials(2, 16, VW_E_MSG_TYPE);      /* both messages fit: fds closed anyway */
    test_credentials(2, 1, VW_E_CTRUNC);         /* credentials fill the buffer */
    test_partial_writes();
    test_timeout_eof_args();
    printf("t_fdpass: %d cases, %d failures\n", cases, failures);
    return failures == 0 ? 0 : 1;
}
