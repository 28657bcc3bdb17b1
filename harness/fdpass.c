/* fdpass.c -- SCM_RIGHTS send and receive with strict control-message checks (fdpass.h).
 * Sources: unix(7) "Ancillary messages", cmsg(3), recvmsg(2), sendmsg(2). */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fdpass.h"
#include "planted.h"

/* A control buffer for the largest fd array, aligned for struct cmsghdr (cmsg(3): "use a
 * union with a struct cmsghdr" to get the alignment right). */
union vw_fd_ctl {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * VW_FDPASS_MAX_FDS)];
};

void vw_fd_close_all(int *fds, size_t num_fds) {
    for (size_t i = 0; i < num_fds; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

static int64_t now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* wait_for polls |sock| for |events| until |timeout_ms| (< 0: forever) has passed since
 * |*start|, retrying EINTR.  |*start| < 0 means "now": it is set from one clock read and the
 * first poll waits the whole |timeout_ms| (one clock_gettime per wait, not two).  Returns 0,
 * VW_E_AGAIN (timed out) or VW_E_INVALID (errno). */
static int wait_for(int sock, short events, int timeout_ms, int64_t *start) {
    int left = timeout_ms < 0 ? -1 : timeout_ms;

    if (timeout_ms >= 0 && *start >= 0) {
        int64_t spent = now_ms() - *start;
        left = spent >= timeout_ms ? 0 : (int)(timeout_ms - spent);
    } else if (timeout_ms >= 0) {
        *start = now_ms();
    }
    for (;;) {
        struct pollfd p = { .fd = sock, .events = events };
        int r = poll(&p, 1, left);

        if (r > 0) {
            return 0;       /* readable, writable, or POLLHUP/POLLERR: the call says which */
        }
        if (r == 0) {
            errno = ETIMEDOUT;
            return VW_E_AGAIN;
        }
        if (errno != EINTR) {
            return VW_E_INVALID;
        }
        if (timeout_ms >= 0) {
            int64_t spent = now_ms() - *start;
            left = spent >= timeout_ms ? 0 : (int)(timeout_ms - spent);
        }
    }
}

int vw_fd_send(int sock, const void *buf, size_t len, const int *fds, size_t num_fds) {
    union vw_fd_ctl ctl;
    const uint8_t *p = buf;
    size_t done = 0;
    int64_t start = -1;     /* the send timeout runs from the first EAGAIN (wait_for) */

    if (len == 0 || num_fds > VW_FDPASS_MAX_FDS || (num_fds > 0 && fds == NULL)) {
        errno = EINVAL;     /* unix(7): fds need at least one byte of data to ride on */
        return VW_E_INVALID;
    }
    if (num_fds > 0) {
        /* only the part sendmsg reads, and only when fds go: a message without fds (nearly
         * every one) has no control buffer to clear */
        memset(ctl.buf, 0, CMSG_SPACE(sizeof(int) * num_fds));
    }
    while (done < len) {
        struct iovec iov = { .iov_base = (void *)(p + done), .iov_len = len - done };
        struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
        ssize_t n;

        if (done == 0 && num_fds > 0) {
            /* the fds go with the first byte; a partial write has sent them already */
            struct cmsghdr *c;

            mh.msg_control = ctl.buf;
            mh.msg_controllen = CMSG_SPACE(sizeof(int) * num_fds);
            c = CMSG_FIRSTHDR(&mh);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * num_fds);
            memcpy(CMSG_DATA(c), fds, sizeof(int) * num_fds);
        }
        n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        if (n > 0) {
            done += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_for(sock, POLLOUT, VW_FDPASS_SEND_TIMEOUT_MS, &start);
            if (r < 0) {
                return r;
            }
            continue;
        }
        if (n == 0) {
            errno = EIO;
        }
        return VW_E_INVALID;
    }
    return 0;
}

/* collect walks the control messages of |mh| and puts every fd of every SCM_RIGHTS message
 * into |got| (room for |got_cap|), so that whatever the verdict they can all be closed.
 * Returns 0 or the first violation (VW_E_MSG_TYPE, VW_E_LENGTH); |*num_got| is always the
 * number of fds stored. */
static int collect(struct msghdr *mh, int *got, size_t got_cap, size_t *num_got) {
    int verdict = 0;

    *num_got = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
        size_t at = (size_t)((char *)c - (char *)mh->msg_control);
        size_t payload, n;

        if (c->cmsg_len < CMSG_LEN(0) || c->cmsg_len > mh->msg_controllen - at) {
            /* cmsg(3): cmsg_len is CMSG_LEN(payload) and lies inside msg_controllen */
            return verdict != 0 ? verdict : VW_E_LENGTH;
        }
        payload = c->cmsg_len - CMSG_LEN(0);
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            /* unix(7): SCM_CREDENTIALS, SCM_SECURITY and others are not fds; refuse them */
            if (verdict == 0) {
                verdict = VW_E_MSG_TYPE;
            }
            continue;
        }
        if (payload % sizeof(int) != 0 && verdict == 0) {
            verdict = VW_E_LENGTH;  /* cmsg(3): an SCM_RIGHTS payload is an array of int */
        }
        n = payload / sizeof(int);
        for (size_t i = 0; i < n && *num_got < got_cap; i++) {
            int fd;

            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));  /* may be unaligned */
            got[(*num_got)++] = fd;
        }
    }
    return verdict;
}

ssize_t vw_fd_recv(int sock, void *buf, size_t cap, int *fds, size_t max_fds,
                   size_t *out_num_fds, bool *out_ctrunc, int timeout_ms) {
    union vw_fd_ctl ctl;
    /* CMSG_SPACE pads to the cmsghdr alignment, so the kernel may fit one fd more */
    int got[VW_FDPASS_MAX_FDS + 2];
    struct iovec iov = { .iov_base = buf, .iov_len = cap };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    size_t num_got = 0;
    int64_t start = -1;
    ssize_t n;
    int r;

    *out_num_fds = 0;
    *out_ctrunc = false;
    if (max_fds > VW_FDPASS_MAX_FDS || (max_fds > 0 && fds == NULL)) {
        errno = EINVAL;
        return VW_E_INVALID;
    }
    if (max_fds > 0) {
        /* not cleared: recvmsg(2) sets msg_controllen to the bytes the kernel wrote, and
         * CMSG_FIRSTHDR/CMSG_NXTHDR (cmsg(3)) read no header past it, so collect() reads
         * only written bytes (1 KiB less to zero per read: most reads carry no fds) */
        mh.msg_control = ctl.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds);
    }
    if ((r = wait_for(sock, POLLIN, timeout_ms, &start)) < 0) {
        return r;
    }
    do {
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return errno == EAGAIN || errno == EWOULDBLOCK ? VW_E_AGAIN : VW_E_INVALID;
    }
    r = collect(&mh, got, sizeof(got) / sizeof(got[0]), &num_got);
    if (mh.msg_flags & MSG_CTRUNC) {
        /* recvmsg(2): "some control data was discarded due to lack of space"; the fds that
         * did fit are ours to close, the rest were closed by the kernel */
        *out_ctrunc = true;
        r = VW_E_CTRUNC;
    } else if (r == 0 && num_got > max_fds) {
        r = VW_E_FDS;
    } else if (r == 0 && n == 0 && num_got > 0) {
        r = VW_E_FDS;       /* fds with no byte: unix(7) never delivers them that way */
    }
    for (size_t i = 0; r == 0 && i < num_got; i++) {
        if (got[i] < 0) {
            r = VW_E_FDS;
        }
    }
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_FDPASS_LEAK) && r == VW_E_FDS) {
        /* planted: more fds than max_fds are refused, and the ones received stay open */
        return r;
    }
#endif
    if (r < 0) {
        vw_fd_close_all(got, num_got);
        return r;
    }
    if (num_got > 0) {
        memcpy(fds, got, num_got * sizeof(int));
    }
    *out_num_fds = num_got;
    return n;
}

int vw_fd_count(void) {
    DIR *d = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    if (d == NULL) {
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] != '.') {
            n++;
        }
    }
    closedir(d);
    return n - 1;   /* the directory stream's own fd */
}
