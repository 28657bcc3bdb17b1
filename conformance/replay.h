/* replay.h -- run one conformance case (transcript.h) against a target and give its verdict.
 *
 * Verdicts (ARCHITECTURE.md, Conformance):
 *   PASS        every step held and every message was strictly canonical
 *   NON-STRICT  every step held, but some message was accepted only leniently (the first
 *               one's code, offset and field are the reason)
 *   FAIL        the server misbehaved: a mismatch (with the decoded diff), an invalid message,
 *               an unexpected close, nothing within the timeout, an unexpected fd, bad
 *               ancillary data, data where silence was expected
 *   ERROR       the harness could not run the case: cannot connect, transport error,
 *               transcript or encode error, no adapter for the protocol, the server sent more
 *               than VW_REPLAY_MAX_BUFFERED bytes without completing a message, an fd leak
 *               (with fd_check)
 *   SKIP        the target does not provide a `requires` feature, or the case's transport
 *               does not fit the target URI (stream: unix/tcp/chardev; chardev: chardev), or
 *               a case of another protocol than qga meets a chardev: target
 *   INFORMATIONAL  every step of a case with `tier: informational` held: a hazard the
 *               protocol allows; the reason names what the case observed (observe steps).
 *               Counts like PASS for the exit status.  (`tier: non-strict` gives NON-STRICT
 *               with the same reason.)
 *
 * chardev: targets (virtio-serial.md §"Step 4" A-F, §"What a client/test suite must do"):
 * a QEMU chardev socket in front of a guest agent.  The host side connects and disconnects,
 * the agent never sees EOF and keeps a half-read request, and stale reply bytes may arrive
 * on the next connection (§B-§D).  So every connect the runner makes to a chardev: target
 * (the case's first, unless the header says `connect: raw`, and every `reconnect` without
 * `raw`) is followed by an implicit sync: 0xFF + guest-sync-delimited with a fresh id,
 * input dropped up to the 0xFF, replies with other ids skipped, until the reply with the
 * id.  The sync is sent again with a fresh id every VW_REPLAY_SYNC_RESEND_MS until the
 * deadline (isa-serial mangles bytes sent before the agent is up, §F), and only the most
 * recently sent id is accepted.  The explicit `resync` step is the same sync (resent only on
 * chardev: targets).  Only protocol qga runs on chardev: targets; `transport: stream` cases
 * run there too (a stream plus the sync rule).  Every sync is recorded (struct
 * vw_replay_sync) with its latency and the bytes it dropped.
 *
 * The runner never trusts the server: every read waits at most the step's timeout, buffered
 * bytes are bounded, and every fd (connections, received SCM_RIGHTS fds, send-fd files) is
 * closed on every path. */
#ifndef VW_CONFORMANCE_REPLAY_H
#define VW_CONFORMANCE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

#include "transcript.h"

enum vw_verdict {
    VW_VERDICT_PASS = 0,
    VW_VERDICT_NONSTRICT,
    VW_VERDICT_FAIL,
    VW_VERDICT_ERROR,
    VW_VERDICT_SKIP,
    VW_VERDICT_INFORMATIONAL,
    VW_VERDICT_COUNT
};

/* The most bytes a server may send without completing a message (a hostile server cannot
 * make the runner buffer without bound). */
#define VW_REPLAY_MAX_BUFFERED (64u << 20)

/* A sync on a chardev: target is sent again, with a fresh id, this often until its deadline
 * (virtio-serial.md §F: "Readiness on isa-serial needs resending (0.5 s period)"). */
#define VW_REPLAY_SYNC_RESEND_MS 500u

/* An observe step keeps at most this many bytes; the rest is only counted. */
#define VW_REPLAY_OBSERVE_KEEP (1u << 20)

/* struct vw_replay_obs: what one observe step saw. */
struct vw_replay_obs {
    unsigned line;               /* the observe step */
    size_t bytes;                /* every byte seen */
    unsigned char *data;         /* the first min(bytes, VW_REPLAY_OBSERVE_KEEP); owned */
    size_t data_len;
};

/* struct vw_replay_sync: one completed sync (0xFF + guest-sync-delimited). */
struct vw_replay_sync {
    unsigned line;               /* the resync or reconnect step; 0: the case's first connect */
    unsigned long long us;       /* from the first send to the matching reply */
    unsigned long long dropped;  /* bytes dropped: all received before the matching reply */
    unsigned sends;              /* syncs sent (1 + resends) */
    bool implicit;               /* after a connect to a chardev: target, not a resync step */
};

struct vw_replay_opts {
    const char *target;          /* URI: unix:PATH, tcp:HOST:PORT, chardev:PATH */
    char *const *provides;       /* features the target provides */
    size_t num_provides;
    bool provides_all;           /* no --provides / --features given: run every case */
    double timeout_scale;        /* every timeout is multiplied by this (0: 1.0) */
    bool fd_check;               /* compare the fd table before and after each case */
    bool verbose;                /* keep a step-by-step trace in the result's log */
    size_t max_buffered;         /* 0: VW_REPLAY_MAX_BUFFERED */
};

struct vw_replay_result {
    int verdict;                 /* enum vw_verdict */
    char reason[512];            /* empty for PASS */
    char *diff;                  /* mismatch lines, or NULL; owned */
    char *log;                   /* verbose trace, or NULL; owned */
    unsigned duration_ms;
    unsigned fds_received;       /* SCM_RIGHTS fds the server sent (all closed) */
    struct vw_replay_obs *obs;   /* observe steps, in order; owned */
    size_t num_obs;
    struct vw_replay_sync *syncs;    /* completed syncs, in order; owned */
    size_t num_syncs;
};

/* vw_replay_case runs |t| with |o| and fills |*out| (which the caller cleans up).  It always
 * gives a verdict; out of memory is ERROR. */
void vw_replay_case(const struct vw_txn *t, const struct vw_replay_opts *o,
                    struct vw_replay_result *out);

void vw_replay_result_cleanup(struct vw_replay_result *r);

/* vw_verdict_name: "PASS", "NON-STRICT", "FAIL", "ERROR", "SKIP", "INFORMATIONAL". */
const char *vw_verdict_name(int verdict);

/* vw_replay_escape writes |n| bytes of |p| C-escaped (\\ \" \n \r \t, other bytes outside
 * 0x20..0x7e as \xHH) to |out| (|cap| > 4 bytes, NUL-terminated); when they do not fit, the
 * text ends with "..." within |cap|.  Returns the length written. */
size_t vw_replay_escape(const unsigned char *p, size_t n, char *out, size_t cap);

#endif
