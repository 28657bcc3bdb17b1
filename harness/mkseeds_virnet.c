/* mkseeds_virnet.c -- the libvirt RPC seeds, written by the reference encoders (vw_xdr_put_*
 * for payloads, vw_virnet_encode for the envelope); called from mkseeds.c.
 *
 * Seeds: the exact packets of virnet-oncrpc.md §8 (wire captures from libvirtd 9.0), every
 * type/status combination 0..7 x 0..3 (with the payload §1.5 gives it, or none), keepalive
 * PING/PONG, error replies, stream data/EOF/finish/abort, stream holes, *_WITH_FDS, and a few
 * invalid ones (trailing bytes, wrong version).  Targets:
 *   virnet_decode, virnet_roundtrip   one message per file (decode also takes streams)
 *   virnet_chunking                   8 control bytes (allocation to fail, chunk seed) + stream
 *   virnet_fds                        1 byte: fds received (0xff = unknown) + one message */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkseeds.h"
#include "virnet.h"

#define MSG_MAX 1024
#define SEEDS_MAX 96


struct vseed {
    char name[64];
    uint8_t bytes[MSG_MAX];
    size_t len;
};

static struct vseed vseeds[SEEDS_MAX];
static size_t num_vseeds;
static const char *vdir;

static void vdie(const char *what) {
    fprintf(stderr, "vw_mkseeds (virnet): %s\n", what);
    exit(1);
}

static void vwrite(const char *target, const char *name, const uint8_t *p, size_t n) {
    vw_mkseeds_write(vdir, target, name, NULL, 0, p, n);
}

/* ---- payload builder ---- */

struct pl {
    uint8_t b[MSG_MAX];
    struct vw_xdr_enc e;
};

static void pl_init(struct pl *p) {
    vw_xdr_enc_init(&p->e, p->b, sizeof(p->b));
}

static void u32(struct pl *p, uint32_t v) {
    if (vw_xdr_put_u32(&p->e, v) < 0) {
        vdie("payload");
    }
}

static void u64(struct pl *p, uint64_t v) {
    if (vw_xdr_put_u64(&p->e, v) < 0) {
        vdie("payload");
    }
}

static void str(struct pl *p, const char *s) {
    struct vw_span sp = { .p = (const uint8_t *)s, .len = strlen(s) };
    if (vw_xdr_put_string(&p->e, sp, VW_VIRNET_STRING_MAX) < 0) {
        vdie("payload");
    }
}

static void opt_str(struct pl *p, const char *s) {
    u32(p, s != NULL);
    if (s != NULL) {
        str(p, s);
    }
}

static void raw(struct pl *p, const void *s, size_t n) {
    if (vw_xdr_put_raw(&p->e, (struct vw_span){ .p = s, .len = n }) < 0) {
        vdie("payload");
    }
}

/* error_payload: remote_error (§1.6) as libvirtd fills it: message in str2, str1 "%s". */
static void error_payload(struct pl *p, int32_t code, int32_t domain, const char *text) {
    pl_init(p);
    u32(p, (uint32_t)code);
    u32(p, (uint32_t)domain);
    opt_str(p, text);
    u32(p, 2);          /* level VIR_ERR_ERROR */
    u32(p, 0);          /* dom: NULL */
    opt_str(p, "%s");   /* str1 */
    opt_str(p, text);   /* str2 */
    opt_str(p, NULL);   /* str3 */
    u32(p, UINT32_MAX); /* int1 -1 */
    u32(p, UINT32_MAX); /* int2 -1 */
    u32(p, 0);          /* net: NULL */
}

/* add encodes one message; |num_fds| is only written for the *_WITH_FDS types. */
static struct vseed *add(const char *name, uint32_t prog, int32_t proc, int32_t type,
                         uint32_t serial, int32_t status, uint32_t num_fds, const struct pl *p) {
    struct vseed *s;
    struct vw_virnet_msg m = { .hdr = { .prog = prog, .vers = 1, .proc = proc, .type = type,
                                        .serial = serial, .status = status },
                               .num_fds = num_fds, .body_kind = VW_VIRNET_BODY_OPAQUE };
    struct vw_xdr_enc e;

    if (num_vseeds == SEEDS_MAX) {
        vdie("too many seeds");
    }
    s = &vseeds[num_vseeds++];
    snprintf(s->name, sizeof(s->name), "%s", name);
    if (p != NULL) {
        m.body = (struct vw_span){ .p = p->b, .len = p->e.len };
    }
    vw_xdr_enc_init(&e, s->bytes, sizeof(s->bytes));
    if (vw_virnet_encode(&e, &m, NULL, 0) < 0) {
        vdie(name);
    }
    s->len = e.len;
    return s;
}

/* must_decode checks a seed meant to be valid decodes strictly (schemas of virnet_procs.c). */
static void must_decode(const struct vseed *s) {
    struct vw_virnet_msg m;
    struct vw_diag diag = { 0 };

    if (vw_virnet_decode(&m, &diag, NULL, s->bytes, s->len, -1, 0, NULL, NULL) < 0) {
        fprintf(stderr, "vw_mkseeds (virnet): seed %s does not decode: %s at %zu\n", s->name,
                vw_err_name(diag.code), diag.offset);
        exit(1);
    }
}

#define REMOTE VW_VIRNET_REMOTE_PROGRAM
#define KEEP VW_VIRNET_KEEPALIVE_PROGRAM

static void make_wire_packets(void) {
    static const uint8_t uuid[16] = { 0xd9, 0x50, 0x9c, 0x57, 0xac, 0x40, 0x44, 0xbf,
                                      0x8e, 0xa2, 0x5f, 0xdb, 0x48, 0x1b, 0x6e, 0xac };
    struct pl p;

    /* §8, byte for byte */
    must_decode(add("wire-auth-list-call", REMOTE, 66, VW_VIRNET_CALL, 0, VW_VIRNET_OK, 0,
                    NULL));
    pl_init(&p);
    u32(&p, 1);
    u32(&p, 0);
    must_decode(add("wire-auth-list-reply", REMOTE, 66, VW_VIRNET_REPLY, 0, VW_VIRNET_OK, 0, &p));
    pl_init(&p);
    u32(&p, 10);
    must_decode(add("wire-supports-feature-keepalive", REMOTE, 60, VW_VIRNET_CALL, 1,
                    VW_VIRNET_OK, 0, &p));
    pl_init(&p);
    opt_str(&p, "qemu:///session");
    u32(&p, 6);
    must_decode(add("wire-connect-open-call", REMOTE, 1, VW_VIRNET_CALL, 2, VW_VIRNET_OK, 0,
                    &p));
    pl_init(&p);
    u64(&p, 9000000);
    must_decode(add("wire-get-lib-version-reply", REMOTE, 157, VW_VIRNET_REPLY, 7, VW_VIRNET_OK,
                    0, &p));
    must_decode(add("wire-keepalive-ping", KEEP, 1, VW_VIRNET_MESSAGE, 0, VW_VIRNET_OK, 0, NULL));
    must_decode(add("wire-keepalive-pong", KEEP, 2, VW_VIRNET_MESSAGE, 0, VW_VIRNET_OK, 0, NULL));
    pl_init(&p);
    u32(&p, 0);                 /* callbackID */
    str(&p, "probe1");
    raw(&p, uuid, sizeof(uuid));
    u32(&p, 1);                 /* id */
    u32(&p, 4);                 /* RESUMED */
    u32(&p, 0);
    /* §1.4: remote-program events carry serial 1 */
    must_decode(add("wire-lifecycle-event", REMOTE, 318, VW_VIRNET_MESSAGE, 1, VW_VIRNET_OK, 0,
                    &p));
    error_payload(&p, 39, 7, "unknown procedure: 9999");
    must_decode(add("wire-error-unknown-procedure", REMOTE, 9999, VW_VIRNET_REPLY, 3,
                    VW_VIRNET_ERROR, 0, &p));
    error_payload(&p, 39, 7, "Cannot find program 305419896 version 1");
    must_decode(add("error-cannot-find-program", 0x12345678u, 1, VW_VIRNET_REPLY, 4,
                    VW_VIRNET_ERROR, 0, &p));
    /* §1.5 [WIRE]: CALL_WITH_FDS with count 0 for proc 157 */
    must_decode(add("wire-call-with-fds-0", REMOTE, 157, VW_VIRNET_CALL_WITH_FDS, 5,
                    VW_VIRNET_OK, 0, NULL));
}

static void make_combinations(void) {
    struct pl p;
    char name[64];

    for (int32_t type = 0; type <= 7; type++) {
        for (int32_t status = 0; status <= 3; status++) {
            const struct pl *payload = NULL;
            int32_t proc = 157;
            pl_init(&p);
            if (status == VW_VIRNET_ERROR &&
                (type == VW_VIRNET_REPLY || type == VW_VIRNET_REPLY_WITH_FDS ||
                 type == VW_VIRNET_STREAM || type == VW_VIRNET_STREAM_HOLE)) {
                error_payload(&p, 1, 10, "internal error: hypervisor connection not open");
                payload = &p;
            } else if (type == VW_VIRNET_REPLY || type == VW_VIRNET_REPLY_WITH_FDS) {
                u64(&p, 9000000);
                payload = &p;
            } else if (type == VW_VIRNET_MESSAGE) {
                proc = 318;
                u32(&p, 2);
                str(&p, "test");
                raw(&p, "0123456789abcdef", 16);
                u32(&p, UINT32_MAX);
                u32(&p, 5);
                u32(&p, 1);
                payload = &p;
            } else if (type == VW_VIRNET_STREAM && status == VW_VIRNET_CONTINUE) {
                raw(&p, "stream bytes, not XDR", 21);
                payload = &p;
            } else if (type == VW_VIRNET_STREAM_HOLE && status == VW_VIRNET_CONTINUE) {
                u64(&p, 1u << 20);
                u32(&p, 0);
                payload = &p;
            }
            snprintf(name, sizeof(name), "type-%d-%s-status-%d-%s", type,
                     type <= VW_VIRNET_STREAM_HOLE ? vw_virnet_type_name(type) : "unassigned",
                     status, status <= VW_VIRNET_CONTINUE ? vw_virnet_status_name(status)
                                                          : "unassigned");
            add(name, REMOTE, proc, type, 9, status, 0, payload);
        }
    }
}

static void make_others(void) {
    struct pl p;

    must_decode(add("stream-eof", REMOTE, 209, VW_VIRNET_STREAM, 11, VW_VIRNET_CONTINUE, 0,
                    NULL));
    must_decode(add("stream-abort-from-client", REMOTE, 209, VW_VIRNET_STREAM, 11,
                    VW_VIRNET_ERROR, 0, NULL));
    pl_init(&p);
    u64(&p, 9000000);
    must_decode(add("reply-with-fds-2", REMOTE, 157, VW_VIRNET_REPLY_WITH_FDS, 12, VW_VIRNET_OK,
                    2, &p));
    must_decode(add("call-with-fds-32", REMOTE, 157, VW_VIRNET_CALL_WITH_FDS, 13, VW_VIRNET_OK,
                    32, NULL));
    add("call-with-fds-33", REMOTE, 157, VW_VIRNET_CALL_WITH_FDS, 13, VW_VIRNET_OK, 33, NULL);
    error_payload(&p, 39, 7, "Unable to decode message payload");
    must_decode(add("reply-with-fds-error", REMOTE, 157, VW_VIRNET_REPLY_WITH_FDS, 14,
                    VW_VIRNET_ERROR, 1, &p));
    pl_init(&p);
    raw(&p, "\0\0\0\0\0\0\0\0", 8);
    /* §1.5 [WIRE]: GET_LIB_VERSION with 8 extra bytes succeeded; strict says VW_E_TRAILING */
    add("call-trailing-8-bytes", REMOTE, 157, VW_VIRNET_CALL, 15, VW_VIRNET_OK, 0, &p);
    must_decode(add("call-unknown-procedure", REMOTE, 9999, VW_VIRNET_CALL, 16, VW_VIRNET_OK, 0,
                    &p));
    must_decode(add("call-unknown-program", 0x12345678u, 1, VW_VIRNET_CALL, 17, VW_VIRNET_OK, 0,
                    &p));
    add("keepalive-as-call", KEEP, 1, VW_VIRNET_CALL, 18, VW_VIRNET_OK, 0, NULL);
    pl_init(&p);
    str(&p, "test");
    must_decode(add("call-domain-lookup-by-name", REMOTE, 23, VW_VIRNET_CALL, 19, VW_VIRNET_OK,
                    0, &p));
    /* a known program at version 2 */
    {
        struct vseed *s = add("wrong-version", REMOTE, 66, VW_VIRNET_CALL, 20, VW_VIRNET_OK, 0,
                              NULL);
        s->bytes[VW_VIRNET_OFF_VERS + 3] = 2;
    }
}

/* A session both ways: AUTH_LIST, its reply, a ping, an error, stream data and a hole. */
static size_t make_stream(uint8_t *out, size_t cap, size_t skip) {
    static const char *const pick[] = { "wire-auth-list-call", "wire-auth-list-reply",
                                        "wire-keepalive-ping", "wire-error-unknown-procedure",
                                        "type-3-STREAM-status-2-CONTINUE", "stream-eof",
                                        "type-6-STREAM_HOLE-status-2-CONTINUE",
                                        "reply-with-fds-2" };
    size_t n = 0;

    for (size_t i = skip; i < sizeof(pick) / sizeof(pick[0]); i++) {
        for (size_t k = 0; k < num_vseeds; k++) {
            if (strcmp(vseeds[k].name, pick[i]) == 0) {
                if (n + vseeds[k].len > cap) {
                    vdie("stream");
                }
                memcpy(out + n, vseeds[k].bytes, vseeds[k].len);
                n += vseeds[k].len;
            }
        }
    }
    return n;
}

void vw_mkseeds_virnet(const char *outdir) {
    static uint8_t buf[16 * MSG_MAX];
    static const uint8_t controls[3][8] = {
        { 0, 0, 0, 0, 0, 0, 0, 1 }, { 0, 0, 0, 2, 0x12, 0x34, 0x56, 0x78 },
        { 0, 0, 0, 1, 0xfe, 0xdc, 0xba, 0x98 },
    };
    static const char *const names[3] = { "stream-session", "stream-session-fail-second-alloc",
                                          "stream-session-fail-first-alloc" };
    size_t n;

    vdir = outdir;
    make_wire_packets();
    make_combinations();
    make_others();
    for (size_t i = 0; i < num_vseeds; i++) {
        const struct vseed *s = &vseeds[i];
        vwrite("virnet_decode", s->name, s->bytes, s->len);
        vwrite("virnet_roundtrip", s->name, s->bytes, s->len);
    }
    n = make_stream(buf, sizeof(buf), 0);
    vwrite("virnet_decode", "stream-session", buf, n);
    for (size_t k = 0; k < 3; k++) {
        memcpy(buf, controls[k], 8);
        n = make_stream(buf + 8, sizeof(buf) - 8, k);
        vwrite("virnet_chunking", names[k], buf, n + 8);
    }
    /* a length word of 27 after a good message: the framing error ends the stream */
    memcpy(buf, controls[0], 8);
    n = 8 + make_stream(buf + 8, sizeof(buf) - 8, 7);
    memcpy(buf + n, "\0\0\0\x1b", 4);
    vwrite("virnet_chunking", "stream-then-length-27", buf, n + 4);
    for (size_t i = 0; i < num_vseeds; i++) {
        const struct vseed *s = &vseeds[i];
        uint8_t fds = 0xff;
        if (strstr(s->name, "fds") == NULL) {
            continue;
        }
        if (strcmp(s->name, "reply-with-fds-2") == 0) {
            fds = 2;
        } else if (strcmp(s->name, "reply-with-fds-error") == 0) {
            fds = 0;  /* disagrees with the count 1: VW_E_FDS */
        }
        buf[0] = fds;
        memcpy(buf + 1, s->bytes, s->len);
        vwrite("virnet_fds", s->name, buf, s->len + 1);
    }
    buf[0] = 3;  /* fds that arrive with a message that announces none */
    memcpy(buf + 1, vseeds[0].bytes, vseeds[0].len);
    vwrite("virnet_fds", "fds-on-plain-call", buf, vseeds[0].len + 1);
}
