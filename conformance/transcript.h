/* transcript.h -- a conformance case as text (corpus/transcripts/<protocol>/<case>.txn): the
 * data model and its parser.
 *
 * Format (UTF-8 text, one case per file; '#' starts a comment line):
 *
 *   protocol: qga                       header lines first, "key: value", then a blank line
 *   transport: stream                   stream (unix:, tcp:), chardev (virtio-serial /
 *                                       isa-serial host side), or any
 *   case: qga-sync-001                  unique id (the file name without .txn)
 *   title: guest-sync echoes its id
 *   spec: historic-qemud-openhook-qga.md §3.4; QEMU qga/qapi-schema.json guest-sync
 *   requires: qga guest-sync            features the server must provide (space separated);
 *                                       a target lacking one gives SKIP
 *   timeout: 2000                       default per-step timeout in ms (default 5000)
 *   connect: raw                        chardev: no implicit sync at the case's first connect
 *                                       (default: sync; replay.h "chardev: targets")
 *   tier: informational                 informational or non-strict: a hazard case whose steps
 *                                       all pass gets this verdict, naming what it observed
 *
 *   send json {"execute":"guest-sync","arguments":{"id":$id}}
 *   expect
 *     return = $id
 *     id = absent
 *
 * Steps (a keyword at column 0, options as key=value words after it, indented lines below):
 *   send                  structured: indented `path = value` lines, encoded by the adapter
 *   send hex HEX...       raw bytes (more hex on indented lines; spaces ignored)
 *   send text "C-escaped" raw bytes from a C-escaped string ("\xff{...}\n")
 *   send json TEXT        qga: the rest of the line sent verbatim (captures substituted)
 *   garbage hex HEX...    like send hex, reported as injected garbage
 *   send-fd PATH          the next send carries an fd of PATH opened O_RDONLY (SCM_RIGHTS)
 *   expect                the next message from the server must match every indented
 *                         constraint `path = value`, where value is a literal, `*` (present,
 *                         any value), `absent`, or `$name` (captures on first use, then must
 *                         equal the captured value); fields not listed are not checked
 *   expect sync           the next event is a sync marker (qga 0xFF)
 *   expect-fd N           the message matched by the previous expect came with N fds
 *   expect-close          the server closes the connection (EOF) before the timeout
 *   expect-silence MS     nothing arrives for MS ms (commands that answer nothing)
 *   resync                qga: send 0xFF + guest-sync-delimited with a fresh id and drop
 *                         input up to and including its 0xFF-prefixed reply
 *   disconnect            close the connection
 *   reconnect [raw]       close if open, then connect again to the same target; on a chardev:
 *                         target the runner syncs after it unless `raw` is given
 *   observe MS [bytes=N]  read raw bytes for MS ms (or until N bytes came) without decoding
 *                         (bytes received but not yet framed included) and record them as an
 *                         observation of the case; the framer starts fresh afterwards
 *   wait MS               sleep MS ms
 * Options: `timeout=MS` on any step that waits (expect, expect-close, resync, reconnect: its
 * implicit sync).
 * Values: decimal or 0x integers, "C-escaped strings", x"hex" opaque, true/false, null,
 * `{}` / `[]`, bare identifiers (enum names; names joined by | without spaces, e.g.
 * O_RDONLY|O_DIRECTORY, are one value), `*`, `absent`, `$name`. */
#ifndef VW_CONFORMANCE_TRANSCRIPT_H
#define VW_CONFORMANCE_TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "adapter.h"
#include "err.h"

#define VW_TXN_TIMEOUT_DEFAULT_MS 5000u
#define VW_TXN_FILE_MAX (1u << 20)     /* a transcript file is at most 1 MiB */

enum vw_txn_step_kind {
    VW_TXN_SEND,           /* structured: assigns */
    VW_TXN_SEND_RAW,       /* send hex / send text / send json / garbage: raw */
    VW_TXN_SEND_FD,
    VW_TXN_EXPECT,         /* constraints in assigns (value may be *, absent, $name) */
    VW_TXN_EXPECT_SYNC,
    VW_TXN_EXPECT_FD,
    VW_TXN_EXPECT_CLOSE,
    VW_TXN_EXPECT_SILENCE,
    VW_TXN_RESYNC,
    VW_TXN_DISCONNECT,
    VW_TXN_RECONNECT,
    VW_TXN_WAIT,
    VW_TXN_OBSERVE,        /* count: ms */
};

/* The verdict tier of a hazard case (header `tier:`). */
enum vw_txn_tier { VW_TXN_TIER_NONE = 0, VW_TXN_TIER_INFORMATIONAL, VW_TXN_TIER_NONSTRICT };

struct vw_txn_step {
    int kind;                        /* enum vw_txn_step_kind */
    unsigned line;                   /* first line of the step in the file */
    unsigned timeout_ms;             /* the step's timeout (option or the case default) */
    unsigned count;                  /* EXPECT_FD: N; EXPECT_SILENCE, WAIT, OBSERVE: ms */
    unsigned stop_bytes;             /* OBSERVE bytes=N: stop once N bytes came (0: no) */
    int raw_connect;                 /* RECONNECT raw: no implicit sync on chardev: */
    int is_garbage;                  /* SEND_RAW from `garbage` */
    int raw_has_captures;            /* SEND_RAW from `send json` containing $name */
    struct vw_cf_buf raw;            /* SEND_RAW bytes (send json: the text) */
    char *path;                      /* SEND_FD */
    struct vw_txn_assign *assigns;   /* SEND, EXPECT; owned by the transcript (its pool) */
    size_t num_assigns;
};

struct vw_txn_store;

struct vw_txn {
    char *file;                      /* path it was read from */
    char *protocol, *transport, *case_id, *title, *spec;
    char **requires;
    size_t num_requires;
    unsigned timeout_ms;
    int connect_raw;                 /* `connect: raw` */
    int tier;                        /* enum vw_txn_tier (`tier:`) */
    struct vw_txn_step *steps;
    size_t num_steps;
    /* owned storage, for vw_txn_cleanup: every string above and below (header values,
     * features, send-fd paths, assignment paths and values) lives in |arena|; the steps'
     * assignments are consecutive runs of |assign_pool|, in step order */
    struct vw_cf_arena arena;
    struct vw_txn_assign *assign_pool;
    size_t num_pool, cap_pool, cap_steps;
    /* vw_txn_load of a file loaded before (same path, device, inode, size and mtime) while
     * that transcript is still alive shares its storage: |store| counts the copies, and the
     * copies must not be modified (the runner never does) */
    struct vw_txn_store *store;
};

/* vw_txn_parse reads a transcript from |text| (|len| bytes; |file| names it in errors).
 * Returns 0, or VW_E_SYNTAX / VW_E_MEMBER (missing protocol, transport or case) /
 * VW_E_TOO_LONG / VW_E_NOMEM with "FILE:LINE: reason" in |err|. */
VW_MUST_USE int vw_txn_parse(struct vw_txn *out, const char *file, const char *text,
                             size_t len, char *err, size_t err_len);

/* vw_txn_load reads and parses the file at |path|.  A file given several times (the same
 * path, unchanged) is parsed once: later loads share the first one's storage for as long as
 * any of them is alive (read-only; each is still cleaned up with vw_txn_cleanup). */
VW_MUST_USE int vw_txn_load(struct vw_txn *out, const char *path, char *err, size_t err_len);

/* vw_txn_cleanup frees what |t| owns and zeroes it. */
void vw_txn_cleanup(struct vw_txn *t);

#endif
