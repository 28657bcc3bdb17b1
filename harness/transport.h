/* transport.h -- the targets a conformance run connects to (ARCHITECTURE.md, "URIs"):
 *   unix:PATH        a stream unix socket
 *   tcp:HOST:PORT    TCP (HOST may be a name, an IPv4 address or [IPv6])
 *   chardev:PATH     a QEMU chardev socket (`-chardev socket,server=on`) in front of a
 *                    guest agent's virtio-serial or isa-serial port.  The socket itself is
 *                    connected like unix:PATH; what differs is above it (virtio-serial.md
 *                    §"Step 4"): the agent never sees the host disconnect (no EOF, §A), keeps
 *                    half a request across connections (§B), may send the tail of an old
 *                    reply to the next connection (§C, §D), keeps bytes sent while its port
 *                    is closed (§E), and on isa-serial mangles bytes sent before it is up
 *                    (§F).  So the runner (conformance/replay.h, "chardev: targets") follows
 *                    every connect with 0xFF + guest-sync-delimited, resent every 500 ms,
 *                    and drops input up to the reply with the latest id; `connect: raw` and
 *                    `reconnect raw` opt out.  Only protocol qga runs there.
 * Sockets are returned non-blocking and close-on-exec; callers wait with poll (fdpass.h). */
#ifndef VW_TRANSPORT_H
#define VW_TRANSPORT_H

#include <stddef.h>

#include "err.h"

enum vw_transport_kind { VW_TRANSPORT_UNIX, VW_TRANSPORT_TCP, VW_TRANSPORT_CHARDEV };

/* sun_path holds 108 bytes including the NUL (unix(7)). */
#define VW_TRANSPORT_PATH_MAX 108u
#define VW_TRANSPORT_HOST_MAX 256u

struct vw_transport_uri {
    int kind;                            /* enum vw_transport_kind */
    char path[VW_TRANSPORT_PATH_MAX];    /* unix, chardev */
    char host[VW_TRANSPORT_HOST_MAX];    /* tcp, without brackets */
    char port[8];                        /* tcp, decimal 1..65535 */
};

/* vw_transport_parse reads |uri| into |*out|.  Returns 0 or VW_E_SYNTAX (unknown scheme,
 * empty or too long path, bad host or port; |*out| unchanged). */
VW_MUST_USE int vw_transport_parse(const char *uri, struct vw_transport_uri *out);

/* vw_transport_connect connects to |u| within |timeout_ms| and stores the socket in |*out_fd|
 * (the caller owns it).  Returns 0, or VW_E_INVALID with a reason ("connect: Connection
 * refused") in |err|; no fd stays open on failure. */
VW_MUST_USE int vw_transport_connect(const struct vw_transport_uri *u, int timeout_ms,
                                     int *out_fd, char *err, size_t err_len);

#endif
