/* Target functions: vw_fd_send, vw_fd_recv (harness/fdpass.c) with vw_openhook_encode,
 * vw_openhook_decode and vw_openhook_check_fds (reference/openhook.c): open-hook-fd messages
 * and their ancillary data over a real socketpair (historic-qemud-openhook-qga.md §2.1).
 *
 * Input: up to OPS_MAX operations of 4 bytes (+ a filename for requests):
 *   b0  bit 0 encoding (host, XDR); bits 1-2 kind: success reply, error reply, request,
 *       reply with a raw result; bits 3-5 fds sent (FDS[]); bit 6 fds on the second chunk
 *   b1  bits 0-2 receiver's max_fds (MAXES[]); bits 3-7 unused
 *   b2  split point of the data across two sendmsg calls (0: one call)
 *   b3  error reply: errno; raw reply: result's low byte, sign from b1 bit 7; request:
 *       filename length (0..64), the bytes follow
 * Properties (each an abort()):
 *   - the receiver's verdict equals the model the sender built: MSG_CTRUNC when more fds were
 *     sent than the control buffer holds (VW_E_CTRUNC), VW_E_FDS when they fit but exceed
 *     max_fds, else the exact bytes sent, then the decoder's verdict (VW_E_RANGE for a result
 *     out of range, VW_E_STRING_NUL for a NUL in a filename) and vw_openhook_check_fds's: 0
 *     when the fds that arrived are exactly the one of a result-0 reply, VW_E_FDS otherwise;
 *   - every fd that arrives is open and close-on-exec;
 *   - the process has as many fds (/proc/self/fd) after every input as before it.
 * In-process and fast: one non-blocking socketpair per input, no fork, bounded sizes. */
#include "fuzz.h"
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "openhook.h"

#define OPS_MAX 16
#define NAME_MAX_FUZZ 64

static const size_t FDS[8] = { 0, 1, 1, 2, 3, 4, 33, VW_FDPASS_MAX_FDS };
static const size_t MAXES[8] = { 0, 1, 1, 2, 3, 4, 32, VW_FDPASS_MAX_FDS };

static int null_fd = -1;
static int pool[VW_FDPASS_MAX_FDS];

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(null_fd >= 0);
    for (size_t i = 0; i < VW_FDPASS_MAX_FDS; i++) {
        pool[i] = null_fd;      /* the kernel installs one new fd per entry */
    }
    return 0;
}

/* room is how many fds the kernel can place in vw_fd_recv's control buffer for |max|. */
static size_t room(size_t max) {
    return max == 0 ? 0 : (CMSG_SPACE(sizeof(int) * max) - CMSG_LEN(0)) / sizeof(int);
}

/* drain reads and discards what is left in |sock|, closing any fd it carries. */
static void drain(int sock) {
    uint8_t buf[256];
    int fds[VW_FDPASS_MAX_FDS];
    size_t n;
    bool ctrunc;

    while (vw_fd_recv(sock, buf, sizeof(buf), fds, VW_FDPASS_MAX_FDS, &n, &ctrunc, 0) > 0) {
        vw_fd_close_all(fds, n);
    }
}

/* one runs one operation; returns the bytes of |data| it used, or 0 at the end of input. */
static size_t one(const int sv[2], const uint8_t *data, size_t size) {
    uint8_t out[VW_OPENHOOK_XDR_REQ_FIXED + NAME_MAX_FUZZ + 4], in[sizeof(out)];
    struct vw_openhook_msg m, got;
    struct vw_xdr_enc e;
    struct vw_diag diag = { 0 };
    int enc, kind, fds[VW_FDPASS_MAX_FDS], want_recv = 0, want_decode = 0, r;
    size_t num_sent, max_fds, split, used = 4, have = 0, num_got = 0, expect_fds = 0;
    bool on_second, ctrunc = false;

    if (size < 4) {
        return 0;
    }
    enc = data[0] & 1;
    kind = (data[0] >> 1) & 3;
    num_sent = FDS[(data[0] >> 3) & 7];
    on_second = (data[0] & 0x40) != 0;
    max_fds = MAXES[data[1] & 7];
    if (kind == 2) {
        struct vw_span name = { .p = data + 4, .len = data[3] % (NAME_MAX_FUZZ + 1) };
        if (size < 4 + name.len) {
            return 0;
        }
        used += name.len;
        CHECK(vw_openhook_request(&m, enc, 0, 0644, name) == 0);
        if (memchr(name.p, 0, name.len) != NULL) {
            want_decode = VW_E_STRING_NUL;     /* a NUL cannot be in a file name */
        }
    } else {
        int32_t result = kind == 0 ? 0 : kind == 1 ? -(int32_t)(1 + data[3] % 255) :
                         (data[1] & 0x80) ? -(int32_t)(4000 + data[3]) : (int32_t)data[3];
        CHECK(vw_openhook_reply(&m, enc, result) == 0);
        if (result > 0 || result < -VW_OPENHOOK_ERRNO_MAX) {
            want_decode = VW_E_RANGE;          /* 0 or a negated errno (§2.1) */
        }
        expect_fds = result == 0 ? 1 : 0;
    }
    vw_xdr_enc_init(&e, out, sizeof(out));
    CHECK(vw_openhook_encode(&e, &m) == 0);
    split = data[2] % e.len;                   /* 0: one sendmsg */

    /* the sender: data in one or two calls, the fds on the first or the second */
    if (split == 0) {
        CHECK(vw_fd_send(sv[0], out, e.len, pool, num_sent) == 0);
    } else {
        CHECK(vw_fd_send(sv[0], out, split, pool, on_second ? 0 : num_sent) == 0);
        CHECK(vw_fd_send(sv[0], out + split, e.len - split, pool, on_second ? num_sent : 0) ==
              0);
    }
    /* the model of what the receiver must see */
    if (num_sent > room(max_fds)) {
        want_recv = VW_E_CTRUNC;
    } else if (num_sent > max_fds) {
        want_recv = VW_E_FDS;
    }
    /* the receiver: until the whole message is in, or a refusal */
    while (have < e.len) {
        size_t n_fds;
        ssize_t n = vw_fd_recv(sv[1], in + have, e.len - have, fds, max_fds, &n_fds, &ctrunc, 0);

        if (n < 0) {
            CHECK(n == want_recv);
            CHECK(ctrunc == (n == VW_E_CTRUNC) && n_fds == 0);
            drain(sv[1]);
            return used;
        }
        CHECK(n > 0);
        for (size_t i = 0; i < n_fds; i++) {
            CHECK(fcntl(fds[i], F_GETFD) == FD_CLOEXEC);    /* open, and MSG_CMSG_CLOEXEC */
        }
        vw_fd_close_all(fds, n_fds);
        num_got += n_fds;
        have += (size_t)n;
    }
    CHECK(want_recv == 0 && !ctrunc);
    CHECK(num_got == num_sent && memcmp(in, out, e.len) == 0);
    r = vw_openhook_decode(&got, &diag, NULL, in, e.len, enc,
                           kind == 2 ? VW_OPENHOOK_FROM_CLIENT : VW_OPENHOOK_FROM_SERVER, 0);
    CHECK(r == want_decode);
    if (r < 0) {
        CHECK(diag.code == r && diag.offset < e.len);
        return used;
    }
    CHECK(got.result == m.result && got.filename.len == m.filename.len);
    CHECK(vw_openhook_fds_expected(&got) == expect_fds);
    r = vw_openhook_check_fds(&got, num_got, false, NULL);
    CHECK(r == (num_got == expect_fds ? 0 : VW_E_FDS));
    CHECK(vw_openhook_check_fds(&got, num_got, true, NULL) == VW_E_CTRUNC);
    return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int sv[2], before;
    size_t used;

    if (null_fd < 0) {
        LLVMFuzzerInitialize(NULL, NULL);
    }
    before = vw_fd_count();
    CHECK(before > 0);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
    for (int op = 0; op < OPS_MAX && (used = one(sv, data, size)) > 0; op++) {
        data += used;
        size -= used;
    }
    close(sv[0]);
    close(sv[1]);
    CHECK(vw_fd_count() == before);     /* no fd leaked on any path */
    return 0;
}
