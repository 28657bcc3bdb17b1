/* fdpass.h -- file descriptors over a unix socket (SCM_RIGHTS, unix(7), cmsg(3)): the send
 * and receive every fd-passing protocol of the harness uses (open-hook-fd replies,
 * historic-qemud-openhook-qga.md §2.1; libvirt *_WITH_FDS, virnet-oncrpc.md §1.5).
 *
 * Ownership: vw_fd_send never takes the caller's fds (the kernel duplicates them into the
 * message); vw_fd_recv hands the caller exactly *out_num_fds open fds (O_CLOEXEC) on success
 * and none on any failure: every fd that arrived with a refused message is closed.
 *
 * Errors are named codes from err.h; a failed system call is VW_E_INVALID with errno kept
 * (err.h has no I/O error code), a timeout VW_E_AGAIN with errno ETIMEDOUT. */
#ifndef VW_FDPASS_H
#define VW_FDPASS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* The most fds one sendmsg may carry: Linux SCM_MAX_FD (253, unix(7) "The kernel constant
 * SCM_MAX_FD defines a limit on the number of file descriptors in the array"); more is
 * EINVAL from the kernel, so the harness refuses it before the call. */
#define VW_FDPASS_MAX_FDS 253u

/* How long vw_fd_send waits for room on a non-blocking socket before giving up. */
#define VW_FDPASS_SEND_TIMEOUT_MS 10000

/* vw_fd_take returns *|fd| and sets it to -1: the hand-off of an owned fd (STYLE.md). */
static inline int vw_fd_take(int *fd) {
    int r = *fd;

    *fd = -1;
    return r;
}

/* vw_fd_close_all closes the |num_fds| fds at |fds| that are >= 0 and sets each to -1. */
void vw_fd_close_all(int *fds, size_t num_fds);

/* vw_fd_send writes all |len| bytes of |buf| to the stream socket |sock|, the |num_fds| fds
 * at |fds| riding on the first byte as one SCM_RIGHTS message (unix(7): ancillary data needs
 * "at least one byte of real data").  Partial writes go on with the rest of the data (without
 * the fds again); EINTR is retried; EAGAIN waits for POLLOUT up to VW_FDPASS_SEND_TIMEOUT_MS.
 * MSG_NOSIGNAL: a closed peer is an error, not SIGPIPE.  Returns 0, VW_E_INVALID (len 0,
 * more than VW_FDPASS_MAX_FDS fds, or a system call failed: errno says which) or VW_E_AGAIN
 * (timed out).  On error some bytes may have been written. */
VW_MUST_USE int vw_fd_send(int sock, const void *buf, size_t len, const int *fds,
                           size_t num_fds);

/* vw_fd_recv waits up to |timeout_ms| (< 0: forever) for |sock| to be readable, then reads
 * at most |cap| bytes into |buf| with one recvmsg(MSG_CMSG_CLOEXEC) whose control buffer has
 * room for |max_fds| fds (CMSG_SPACE(max_fds * sizeof(int)); none when max_fds is 0).
 * On success returns the bytes read (0 at end of stream), stores the fds received in
 * |fds|[0 .. *out_num_fds) (the caller owns them) and *out_ctrunc = false.
 * Checks (each refusal closes every fd that arrived; *out_num_fds = 0):
 *   VW_E_CTRUNC   the kernel set MSG_CTRUNC (recvmsg(2): "some control data was discarded
 *                 due to lack of space"): the count is unknown; *out_ctrunc = true
 *   VW_E_MSG_TYPE a control message other than SOL_SOCKET/SCM_RIGHTS (unix(7) also defines
 *                 SCM_CREDENTIALS and SCM_SECURITY; none is expected here)
 *   VW_E_LENGTH   cmsg_len under CMSG_LEN(0), past the control buffer, or its payload not a
 *                 multiple of sizeof(int) (cmsg(3): CMSG_LEN(n * sizeof(int)) for n fds)
 *   VW_E_FDS      more fds than |max_fds| (CMSG_SPACE rounds up, so one more can fit), an fd
 *                 value < 0, or fds on an empty read (they must ride on a byte, unix(7))
 *   VW_E_AGAIN    nothing readable within |timeout_ms| (errno ETIMEDOUT)
 *   VW_E_INVALID  |max_fds| over VW_FDPASS_MAX_FDS, or poll/recvmsg failed (errno kept)
 * The data bytes of a refused read are consumed from the socket and lost: callers drop the
 * connection (the stream can no longer be framed with its fds). */
VW_MUST_USE ssize_t vw_fd_recv(int sock, void *buf, size_t cap, int *fds, size_t max_fds,
                               size_t *out_num_fds, bool *out_ctrunc, int timeout_ms);

/* vw_fd_count returns the number of open fds of this process (entries of /proc/self/fd,
 * not counting the directory's own), or -1 when /proc is unavailable.  For leak checks. */
int vw_fd_count(void);

#endif
