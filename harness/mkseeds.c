/* mkseeds.c -- writes the fuzz seed corpora with the reference encoders.
 *
 * usage: vw_mkseeds OUTDIR [SAMPLES_DIR]
 * OUTDIR/<target>/seed-<what> are the fuzz seeds; SAMPLES_DIR/onc-rpc/portmap-session.bin is
 * the sample capture `ci/main` decodes.  The test suite runs it into a temporary directory and
 * compares with corpus/fuzz and corpus/samples, so committed files match the encoders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mkseeds.h"
#include "oncrpc.h"
#include "pmap.h"
#include "recmark.h"
#include "xdr.h"

#define SPAN(s) ((struct vw_span){ .p = (const uint8_t *)(s), .len = sizeof(s) - 1 })
#define MSG_MAX 4096

struct seed {
    const char *name;
    uint8_t bytes[MSG_MAX];
    size_t len;
};

static struct seed seeds[64];
static size_t num_seeds;
static const char *outdir;

static void die(const char *what) {
    fprintf(stderr, "vw_mkseeds: %s\n", what);
    exit(1);
}

void vw_mkseeds_write(const char *dir, const char *target, const char *name,
                      const uint8_t *prefix, size_t prefix_len, const uint8_t *p, size_t n) {
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, target);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        die("mkdir");
    }
    snprintf(path, sizeof(path), "%s/%s/seed-%s", dir, target, name);
    if ((f = fopen(path, "wb")) == NULL ||
        (prefix_len > 0 && fwrite(prefix, 1, prefix_len, f) != prefix_len) ||
        (n > 0 && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
        die(path);
    }
}

static void write_file(const char *target, const char *name, const uint8_t *p, size_t n) {
    vw_mkseeds_write(outdir, target, name, NULL, 0, p, n);
}

static struct vw_rpc_authsys authsys(void) {
    struct vw_rpc_authsys a = { .stamp = 0x5f5e1000, .machinename = SPAN("client01.example.com"),
                                .uid = 1000, .gid = 1000, .num_gids = 4,
                                .gids = { 1000, 4, 24, 27 } };
    return a;
}

static struct vw_rpc_msg call(uint32_t xid, uint32_t prog, uint32_t vers, uint32_t proc,
                              bool sys) {
    struct vw_rpc_msg m = { .xid = xid, .mtype = VW_RPC_CALL };

    m.call = (struct vw_rpc_call){ .rpcvers = VW_RPC_VERSION, .prog = prog, .vers = vers,
                                   .proc = proc };
    if (sys) {
        m.call.cred.flavor = VW_RPC_AUTH_SYS;
        m.call.cred.has_sys = true;
        m.call.cred.sys = authsys();
    }
    return m;
}

static struct vw_rpc_msg reply_accepted(uint32_t xid, uint32_t stat) {
    struct vw_rpc_msg m = { .xid = xid, .mtype = VW_RPC_REPLY };

    m.reply.stat = VW_RPC_MSG_ACCEPTED;
    m.reply.accept_stat = stat;
    return m;
}

static struct vw_rpc_msg reply_denied(uint32_t xid, uint32_t reject, uint32_t auth) {
    struct vw_rpc_msg m = { .xid = xid, .mtype = VW_RPC_REPLY };

    m.reply.stat = VW_RPC_MSG_DENIED;
    m.reply.reject_stat = reject;
    m.reply.auth_stat = auth;
    m.reply.mismatch = (struct vw_rpc_mismatch){ .low = 2, .high = 2 };
    return m;
}

/* encode_seed encodes |m| into |s| under |name|. */
static void encode_seed(struct seed *s, const char *name, const struct vw_rpc_msg *m) {
    struct vw_xdr_enc e;

    s->name = name;
    vw_xdr_enc_init(&e, s->bytes, sizeof(s->bytes));
    if (vw_rpc_msg_encode(&e, m) < 0) {
        die(name);
    }
    s->len = e.len;
}

/* add encodes |m| with |body| (a pmap body, or NULL) as its args or results. */
static void add(const char *name, struct vw_rpc_msg m, const struct vw_pmap_body *body,
                struct vw_span raw_body) {
    static uint8_t body_buf[MSG_MAX];
    struct seed *s = &seeds[num_seeds++];
    struct vw_xdr_enc e;
    struct vw_span b = raw_body;

    if (body != NULL) {
        vw_xdr_enc_init(&e, body_buf, sizeof(body_buf));
        if (vw_pmap_encode(&e, body) < 0) {
            die(name);
        }
        b = (struct vw_span){ .p = body_buf, .len = e.len };
    }
    if (m.mtype == VW_RPC_CALL) {
        m.call.args = b;
    } else {
        m.reply.results = b;
    }
    encode_seed(s, name, &m);
}

static struct vw_pmap_body body_of(enum vw_pmap_kind kind, uint32_t vers) {
    struct vw_pmap_body b;

    memset(&b, 0, sizeof(b));
    b.kind = kind;
    b.vers = vers;
    return b;
}

static struct vw_pmap_body list_of(enum vw_pmap_kind kind, const uint8_t *raw, size_t len,
                                   uint32_t n) {
    struct vw_pmap_body b = body_of(kind, 2);

    b.list = (struct vw_pmap_list){ .num_entries = n, .raw = { .p = raw, .len = len } };
    return b;
}

static void make_messages(void) {
    static const uint8_t nfs_arg[1024] = { 0x00, 0x00, 0x00, 0x20, 0xde, 0xad, 0xbe, 0xef };
    static const uint8_t two_mappings[] = {
        0, 0, 0, 1, 0, 1, 0x86, 0xa0, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 111,
        0, 0, 0, 1, 0, 1, 0x86, 0xa3, 0, 0, 0, 3, 0, 0, 0, 6, 0, 0, 0x08, 0x01,
        0, 0, 0, 0,
    };
    static const uint8_t one_rpcb[] = {
        0, 0, 0, 1, 0, 1, 0x86, 0xa0, 0, 0, 0, 4, 0, 0, 0, 3, 't', 'c', 'p', 0,
        0, 0, 0, 11, '0', '.', '0', '.', '0', '.', '0', '.', '0', '.', '1', 0,
        0, 0, 0, 9, 's', 'u', 'p', 'e', 'r', 'u', 's', 'e', 'r', 0, 0, 0, 0, 0, 0, 0,
    };
    static const uint8_t one_entry[] = {
        0, 0, 0, 1, 0, 0, 0, 15, '1', '2', '7', '.', '0', '.', '0', '.', '1', '.', '8', '.',
        '1', 0, 0, 0, 3, 't', 'c', 'p', 0, 0, 0, 0, 3, 0, 0, 0, 4, 'i', 'n', 'e', 't',
        0, 0, 0, 3, 't', 'c', 'p', 0, 0, 0, 0, 0,
    };
    struct vw_pmap_body b;
    struct vw_rpc_msg m;

    /* xids: the first byte modulo 3 picks the rpcbind version the fuzzers try on replies */
    add("call-null-auth-none", call(0x00000001, VW_PMAP_PROG, 2, VW_PMAP_NULL, false), NULL,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_MAPPING, 2);
    b.mapping = (struct vw_pmap_mapping){ .prog = 100003, .vers = 3, .prot = 6 };
    add("call-pmap2-getport-auth-sys", call(0x00000002, VW_PMAP_PROG, 2, VW_PMAP_GETPORT, true),
        &b, (struct vw_span){ 0 });
    b.mapping.port = 2049;
    add("call-pmap2-set", call(0x00000003, VW_PMAP_PROG, 2, VW_PMAP_SET, true), &b,
        (struct vw_span){ 0 });
    add("call-pmap2-dump", call(0x00000004, VW_PMAP_PROG, 2, VW_PMAP_DUMP, false), NULL,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_CALL_ARGS, 2);
    b.call_args.prog = 100003;
    b.call_args.vers = 3;
    b.call_args.args = SPAN("\0\0\0\x2a");
    add("call-pmap2-callit", call(0x00000005, VW_PMAP_PROG, 2, VW_PMAP_CALLIT, false), &b,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_RPCB, 3);
    b.rpcb = (struct vw_rpcb){ .prog = 100003, .vers = 3, .netid = SPAN("tcp"),
                               .addr = SPAN(""), .owner = SPAN("superuser") };
    add("call-rpcb3-getaddr", call(0x01000006, VW_PMAP_PROG, 3, VW_PMAP_GETPORT, true), &b,
        (struct vw_span){ 0 });
    b.rpcb.addr = SPAN("127.0.0.1.8.1");
    add("call-rpcb4-set", call(0x02000007, VW_PMAP_PROG, 4, VW_PMAP_SET, true), &b,
        (struct vw_span){ 0 });
    add("call-rpcb4-getaddrlist", call(0x02000008, VW_PMAP_PROG, 4, VW_PMAP_GETADDRLIST, false),
        &b, (struct vw_span){ 0 });
    add("call-rpcb3-gettime", call(0x01000009, VW_PMAP_PROG, 3, VW_PMAP_GETTIME, false), NULL,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_STRING, 3);
    b.string = SPAN("127.0.0.1.0.111");
    add("call-rpcb3-uaddr2taddr", call(0x0100000a, VW_PMAP_PROG, 3, VW_PMAP_UADDR2TADDR, false),
        &b, (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_CALL_ARGS, 4);
    b.call_args.prog = 100024;
    b.call_args.vers = 1;
    add("call-rpcb4-indirect", call(0x0200000b, VW_PMAP_PROG, 4, VW_PMAP_INDIRECT, false), &b,
        (struct vw_span){ 0 });
    add("call-nfs-auth-sys-1k-arg", call(0x12345678, 100003, 3, 7, true), NULL,
        (struct vw_span){ .p = nfs_arg, .len = sizeof(nfs_arg) });
    m = call(0x0000000c, 100003, 4, 1, false);
    m.call.cred.flavor = VW_RPC_RPCSEC_GSS;
    m.call.cred.body = SPAN("\0\0\0\x01\0\0\0\0\0\0\0\x01\0\0\0\x01");
    m.call.verf.flavor = VW_RPC_RPCSEC_GSS;
    m.call.verf.body = SPAN("0123456789ab");
    add("call-rpcsec-gss-opaque", m, NULL, (struct vw_span){ 0 });

    b = body_of(VW_PMAP_K_UINT, 2);
    b.value_uint = 2049;
    add("reply-pmap2-getport-success", reply_accepted(0x00000002, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    b = list_of(VW_PMAP_K_PMAPLIST, two_mappings, sizeof(two_mappings), 2);
    add("reply-pmap2-dump-two-mappings", reply_accepted(0x00000004, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    b = list_of(VW_PMAP_K_RPCBLIST, one_rpcb, sizeof(one_rpcb), 1);
    add("reply-rpcb3-dump-one", reply_accepted(0x01000010, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    b = list_of(VW_PMAP_K_ENTRYLIST, one_entry, sizeof(one_entry), 1);
    add("reply-rpcb4-getaddrlist", reply_accepted(0x02000008, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_STRING, 3);
    b.string = SPAN("127.0.0.1.8.1");
    add("reply-rpcb3-getaddr", reply_accepted(0x01000006, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    b = body_of(VW_PMAP_K_RMTCALL_RES, 3);
    b.call_result.addr = SPAN("127.0.0.1.8.1");
    b.call_result.results = SPAN("\0\0\0\x01");
    add("reply-rpcb3-callit", reply_accepted(0x01000011, VW_RPC_SUCCESS), &b,
        (struct vw_span){ 0 });
    add("reply-prog-unavail", reply_accepted(0x00000020, VW_RPC_PROG_UNAVAIL), NULL,
        (struct vw_span){ 0 });
    m = reply_accepted(0x00000021, VW_RPC_PROG_MISMATCH);
    m.reply.mismatch = (struct vw_rpc_mismatch){ .low = 2, .high = 4 };
    add("reply-prog-mismatch", m, NULL, (struct vw_span){ 0 });
    add("reply-proc-unavail", reply_accepted(0x00000022, VW_RPC_PROC_UNAVAIL), NULL,
        (struct vw_span){ 0 });
    add("reply-garbage-args", reply_accepted(0x00000023, VW_RPC_GARBAGE_ARGS), NULL,
        (struct vw_span){ 0 });
    add("reply-system-err", reply_accepted(0x00000024, VW_RPC_SYSTEM_ERR), NULL,
        (struct vw_span){ 0 });
    add("reply-denied-rpc-mismatch", reply_denied(0x00000025, VW_RPC_RPC_MISMATCH, 0), NULL,
        (struct vw_span){ 0 });
    add("reply-denied-auth-badcred",
        reply_denied(0x00000026, VW_RPC_AUTH_ERROR, VW_RPC_AUTH_BADCRED), NULL,
        (struct vw_span){ 0 });
    add("reply-denied-auth-tooweak",
        reply_denied(0x00000027, VW_RPC_AUTH_ERROR, VW_RPC_AUTH_TOOWEAK), NULL,
        (struct vw_span){ 0 });
}

/* Record-marked streams for the framer: 8 control bytes (allocation to fail, chunk seed). */
static void make_streams(void) {
    static uint8_t out[4 * MSG_MAX];
    static const uint8_t controls[3][8] = {
        { 0, 0, 0, 0, 0, 0, 0, 1 }, { 0, 0, 0, 3, 0x12, 0x34, 0x56, 0x78 },
        { 0, 0, 0, 1, 0xfe, 0xdc, 0xba, 0x98 },
    };
    static const char *const names[3] = { "stream-three-messages-one-fragment-each",
                                          "stream-fragments-of-16-fail-third-alloc",
                                          "stream-fragments-of-4-fail-first-alloc" };
    static const size_t frag_max[3] = { 0, 16, 4 };

    for (size_t k = 0; k < 3; k++) {
        struct vw_xdr_enc e;
        vw_xdr_enc_init(&e, out, sizeof(out));
        if (vw_xdr_put_raw(&e, (struct vw_span){ .p = controls[k], .len = 8 }) < 0) {
            die("stream");
        }
        for (size_t i = 1; i < 4; i++) {  /* a GETPORT call, its reply, a DUMP reply */
            static const size_t pick[4] = { 0, 1, 13, 14 };
            struct seed *s = &seeds[pick[i]];
            if (vw_rm_encode(&e, (struct vw_span){ .p = s->bytes, .len = s->len },
                             frag_max[k]) < 0) {
                die("stream");
            }
        }
        write_file("oncrpc_record_chunking", names[k], out, e.len);
    }
    /* an empty record, and an empty last fragment closing a record */
    static const uint8_t empty[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0,
                                     0, 0, 0, 4, 1, 2, 3, 4, 0x80, 0, 0, 0 };
    write_file("oncrpc_record_chunking", "stream-empty-record-and-empty-last-fragment", empty,
               sizeof(empty));
}

/* Programs for xdr_primitives: control byte (opcode count), opcodes, then XDR data.  An
 * opcode is (primitive << 3) | limit index (see fuzz_xdr_primitives.c). */
static void make_primitive_programs(void) {
    static const uint8_t every_primitive[] = {
        0x0b, 0 << 3, 1 << 3, 2 << 3, 3 << 3, 4 << 3, 5 << 3, (6 << 3) | 4, (7 << 3) | 2,
        (8 << 3) | 4, (9 << 3) | 5, (10 << 3) | 3,
        0, 0, 0, 42, 0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 7, 'a', 'b', 'c', 0,
        0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 0, 0, 0, 4, 'h', 'o', 's', 't',
        0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2,
    };
    static const uint8_t noncanonical[] = {
        0x03, 4 << 3, (8 << 3) | 4, (9 << 3) | 5,
        0, 0, 0, 2, 0, 0, 0, 1, 'x', 1, 2, 3, 0, 0, 0, 3, 'a', 0, 'b', 0,
    };
    write_file("xdr_primitives", "every-primitive-once", every_primitive,
               sizeof(every_primitive));
    write_file("xdr_primitives", "bool-2-padding-nul-in-string", noncanonical,
               sizeof(noncanonical));
}

/* A portmap/rpcbind session as a client and server would exchange it, both directions in
 * one record-marked stream: DUMP, GETPORT (AUTH_SYS, in fragments of 20 bytes), GETADDR,
 * and a call to a program version the server lacks. */
static void make_sample(const char *dir) {
    static uint8_t out[8 * MSG_MAX];
    static const size_t order[] = { 3, 14, 1, 13, 5, 17 };
    char path[512];
    struct vw_xdr_enc e;
    struct vw_rpc_msg m;
    struct seed extra[2];
    FILE *f;

    vw_xdr_enc_init(&e, out, sizeof(out));
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        struct seed *s = &seeds[order[i]];
        if (vw_rm_encode(&e, (struct vw_span){ .p = s->bytes, .len = s->len },
                         order[i] == 1 ? 20 : 0) < 0) {
            die("sample");
        }
    }
    m = call(0x00000030, 100003, 9, 0, true);
    encode_seed(&extra[0], "sample-call-nfs-v9", &m);
    m = reply_accepted(0x00000030, VW_RPC_PROG_MISMATCH);
    m.reply.mismatch = (struct vw_rpc_mismatch){ .low = 3, .high = 4 };
    encode_seed(&extra[1], "sample-reply-prog-mismatch", &m);
    for (size_t i = 0; i < 2; i++) {
        if (vw_rm_encode(&e, (struct vw_span){ .p = extra[i].bytes, .len = extra[i].len }, 0) <
            0) {
            die("sample");
        }
    }
    snprintf(path, sizeof(path), "%s/onc-rpc", dir);
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST) || (mkdir(path, 0755) != 0 && errno != EEXIST)) {
        die("mkdir samples");
    }
    snprintf(path, sizeof(path), "%s/onc-rpc/portmap-session.bin", dir);
    if ((f = fopen(path, "wb")) == NULL || fwrite(out, 1, e.len, f) != e.len || fclose(f) != 0) {
        die(path);
    }
}

int main(int argc, char **argv) {
    static const char *const record_targets[] = { "oncrpc_decode", "oncrpc_roundtrip",
                                                  "oncrpc_differential" };

    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: vw_mkseeds OUTDIR [SAMPLES_DIR]\n");
        return 2;
    }
    outdir = argv[1];
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        die("mkdir");
    }
    make_messages();
    for (size_t t = 0; t < sizeof(record_targets) / sizeof(record_targets[0]); t++) {
        for (size_t i = 0; i < num_seeds; i++) {
            write_file(record_targets[t], seeds[i].name, seeds[i].bytes, seeds[i].len);
        }
    }
    make_streams();
    make_primitive_programs();
    vw_mkseeds_qemud(outdir);
    vw_mkseeds_virnet(outdir);
    vw_mkseeds_virnet_procs(outdir);
    vw_mkseeds_openhook(outdir);
    vw_mkseeds_virtagent(outdir);
    if (argc == 3) {
        make_sample(argv[2]);
    }
    return 0;
}
