/* transport.c -- parse a target URI and connect to it with a timeout (transport.h).
 * Sources: unix(7), connect(2) "EINPROGRESS ... select(2) or poll(2) for completion ... use
 * getsockopt(2) to read the SO_ERROR option", getaddrinfo(3). */
#include "transport.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int vw_transport_parse(const char *uri, struct vw_transport_uri *out) {
    struct vw_transport_uri u;
    const char *rest, *colon;
    size_t n;

    memset(&u, 0, sizeof(u));
    if (strncmp(uri, "unix:", 5) == 0 || strncmp(uri, "chardev:", 8) == 0) {
        u.kind = uri[0] == 'u' ? VW_TRANSPORT_UNIX : VW_TRANSPORT_CHARDEV;
        rest = strchr(uri, ':') + 1;
        n = strlen(rest);
        if (n == 0 || n >= sizeof(u.path)) {
            return VW_E_SYNTAX;     /* unix(7): sun_path is 108 bytes with its NUL */
        }
        memcpy(u.path, rest, n + 1);
        *out = u;
        return 0;
    }
    if (strncmp(uri, "tcp:", 4) != 0) {
        return VW_E_SYNTAX;
    }
    rest = uri + 4;
    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (close == NULL || close[1] != ':') {
            return VW_E_SYNTAX;
        }
        n = (size_t)(close - rest - 1);
        if (n == 0 || n >= sizeof(u.host)) {
            return VW_E_SYNTAX;
        }
        memcpy(u.host, rest + 1, n);
        colon = close + 1;
    } else {
        colon = strrchr(rest, ':');
        if (colon == NULL) {
            return VW_E_SYNTAX;
        }
        n = (size_t)(colon - rest);
        if (n == 0 || n >= sizeof(u.host) || memchr(rest, ':', n) != NULL) {
            return VW_E_SYNTAX;
        }
        memcpy(u.host, rest, n);
    }
    n = strlen(colon + 1);
    if (n == 0 || n > 5 || strspn(colon + 1, "0123456789") != n) {
        return VW_E_SYNTAX;
    }
    unsigned long port = strtoul(colon + 1, NULL, 10);
    if (port == 0 || port > 65535) {
        return VW_E_SYNTAX;
    }
    snprintf(u.port, sizeof(u.port), "%lu", port);
    u.kind = VW_TRANSPORT_TCP;
    *out = u;
    return 0;
}

/* connect_one connects |fd| to |sa| within |timeout_ms|; 0 or errno. */
static int connect_one(int fd, const struct sockaddr *sa, socklen_t sa_len, int timeout_ms) {
    int e = 0;
    socklen_t el = sizeof(e);

    if (connect(fd, sa, sa_len) == 0) {
        return 0;
    }
    if (errno != EINPROGRESS && errno != EAGAIN) {
        return errno;
    }
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLOUT };
        int r = poll(&p, 1, timeout_ms);

        if (r == 0) {
            return ETIMEDOUT;
        }
        if (r > 0) {
            break;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0) {
        return errno;
    }
    return e;
}

int vw_transport_connect(const struct vw_transport_uri *u, int timeout_ms, int *out_fd,
                         char *err, size_t err_len) {
    int fd = -1, e = 0;

    if (u->kind != VW_TRANSPORT_TCP) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        memcpy(sa.sun_path, u->path, strlen(u->path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            snprintf(err, err_len, "socket: %s", strerror(errno));
            return VW_E_INVALID;
        }
        e = connect_one(fd, (const struct sockaddr *)&sa, sizeof(sa), timeout_ms);
        if (e != 0) {
            close(fd);
            snprintf(err, err_len, "connect %s: %s", u->path, strerror(e));
            return VW_E_INVALID;
        }
        *out_fd = fd;
        return 0;
    }

    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int g = getaddrinfo(u->host, u->port, &hints, &res);

    if (g != 0) {
        snprintf(err, err_len, "%s:%s: %s", u->host, u->port, gai_strerror(g));
        return VW_E_INVALID;
    }
    e = EADDRNOTAVAIL;
    for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        e = connect_one(fd, ai->ai_addr, ai->ai_addrlen, timeout_ms);
        if (e == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, err_len, "connect %s:%s: %s", u->host, u->port, strerror(e));
        return VW_E_INVALID;
    }
    *out_fd = fd;
    return 0;
}
