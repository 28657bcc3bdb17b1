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
 *               does not fit the target URI (stream: unix/tcp; chardev: chardev)
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
    VW_VERDICT_COUNT
};

/* The most bytes a server may send without completing a message (a hostile server cannot
 * make the runner buffer without bound). */
#define VW_REPLAY_MAX_BUFFERED (64u << 20)

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
};

/* vw_replay_case runs |t| with |o| and fills |*out| (which the caller cleans up).  It always
 * gives a verdict; out of memory is ERROR. */
void vw_replay_case(const struct vw_txn *t, const struct vw_replay_opts *o,
                    struct vw_replay_result *out);

void vw_replay_result_cleanup(struct vw_replay_result *r);

/* vw_verdict_name: "PASS", "NON-STRICT", "FAIL", "ERROR", "SKIP". */
const char *vw_verdict_name(int verdict);

#endif
