/* bench_virnet.c -- decode cost of libvirt RPC messages: virtwire's strict vw_virnet_decode vs
 * libtirpc with the rpcgen filters, the way libvirt 9.0 decodes, on recorded libvirtd traffic.
 *
 * Usage: bench_virnet VARIANT ITERATIONS REPS     (VARIANT "all" runs every variant)
 *        bench_virnet list                         (prints the variant names)
 *        bench_virnet info                         (prints the compiler and a title for run.sh)
 *        bench_virnet summary                      (prints the message set, to stdout)
 *
 * Messages: every message of every corpus/samples/virnet/ *.c2s.bin / *.s2c.bin stream (the
 * directory is compiled in; VW_BENCH_VIRNET_DIR overrides it), split by the length word at
 * startup and each copied into its own malloc'ed buffer, as libvirt reads one.  A message is
 * skipped, for both decoders, when the oracle has no rpcgen filter for its payload or when
 * virtwire has no schema for it; the summary counts them.  Every other message is decoded by
 * both decoders at startup, and the program aborts if either rejects it or if they disagree
 * on the header or on the payload's size.
 *
 * Classes: all (every benchmarked message), call (CALL + OK), reply (REPLY + OK/ERROR), event
 * (MESSAGE + OK), and the largest single messages: xmldesc (the DOMAIN_GET_XML_DESC reply) and
 * define (the DOMAIN_DEFINE_XML call).  One iteration is one message; a class is decoded in
 * passes over its messages, so ITERATIONS is rounded up to whole passes.
 *
 * Variants, CLASS_...:
 *   ours        vw_virnet_decode, strict, no visitor: length word, header, program/procedure
 *               lookup, and the full payload checked against its schema (trailing bytes are
 *               an error)
 *   ours_visit  the same with a visitor that counts the items and folds their values, the way
 *               a caller consumes the fields
 *   tirpc       what libvirt does (virNetMessageDecodeLength / DecodeHeader / DecodeNumFDs /
 *               DecodePayload and the dispatcher's g_new0 + xdr_free + g_free): an xdrmem over
 *               the length word and xdr_u_int; an xdrmem over the rest and the header filter
 *               (xdr_u_int, xdr_u_int, xdr_int, xdr_enum, xdr_u_int, xdr_enum); an xdrmem
 *               over the payload and its rpcgen filter into a calloc'ed struct; the filter in
 *               XDR_FREE mode (what xdr_free does); free.  The filter is looked up at startup
 *               (libvirt indexes an array), whereas ours looks it up in every decode.
 *   tirpc_zero  tirpc with the struct in a static buffer zeroed by memset instead of calloc +
 *               free: libtirpc without the allocation of the top-level struct
 *
 * Output, one line per variant:
 *   VARIANT bytes=B msgs=M iterations=N reps=R warmup=W decodes=D best_ns=X median_ns=Y
 * |bytes| is the mean message size of the class; |decodes| counts every decode of the timed
 * part (warm-up included, startup checks not), for bench/run.sh's instruction counts. */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rpc/rpc.h>

#include "oracle_virnet.h"
#include "virnet.h"

#ifndef VW_BENCH_VIRNET_DIR
#error "VW_BENCH_VIRNET_DIR must name the directory of the recorded streams"
#endif

#define BENCH_REPS_MAX 1000u
#define BENCH_MSGS_MAX 4096u
#define BENCH_FILE_MAX (16u * 1024u * 1024u)
#define BENCH_STRUCT_MAX 4096u

#define PROC_DOMAIN_DEFINE_XML 11
#define PROC_DOMAIN_GET_XML_DESC 14

/* One benchmarked message and what the libtirpc side needs to decode it. */
struct bench_msg {
    uint8_t *p;                         /* the whole message, length word included (malloc'ed) */
    size_t len;
    struct vw_virnet_header hdr;
    vw_oracle_virnet_filter_fn filter;  /* the payload's rpcgen filter */
    size_t size;                        /* of the C struct the filter fills */
};

enum bench_class { CLS_ALL, CLS_CALL, CLS_REPLY, CLS_EVENT, CLS_XMLDESC, CLS_DEFINE, NUM_CLS };

static const char *const class_names[NUM_CLS] = { "all", "call", "reply", "event", "xmldesc",
                                                  "define" };

struct bench_set {
    struct bench_msg *msgs;
    size_t num_msgs;
    size_t bytes;                       /* total */
};

static struct bench_set sets[NUM_CLS];

/* Startup counts for the summary. */
static size_t num_streams, num_total, num_no_filter, num_no_schema;

/* tirpc_zero's struct: aligned for any rpcgen struct. */
static _Alignas(16) uint8_t zero_area[BENCH_STRUCT_MAX];

static volatile uint64_t sink;

static _Noreturn void die(const char *what) {
    fprintf(stderr, "bench_virnet: %s\n", what);
    abort();
}

/* ---- loading ---- */

static int cmp_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static uint8_t *read_file(const char *path, size_t *out_len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = malloc(BENCH_FILE_MAX);
    size_t n;

    if (f == NULL || buf == NULL) {
        die("cannot open a sample stream");
    }
    n = fread(buf, 1, BENCH_FILE_MAX, f);
    if (ferror(f) || !feof(f)) {
        die("cannot read a sample stream (or it is over 16 MiB)");
    }
    fclose(f);
    *out_len = n;
    return buf;
}

/* which_of: the oracle's payload kind for a header, or NUM_WHICH when there is none. */
static enum vw_oracle_virnet_which which_of(const struct vw_virnet_header *h) {
    bool call = h->type == VW_VIRNET_CALL || h->type == VW_VIRNET_CALL_WITH_FDS;
    bool reply = h->type == VW_VIRNET_REPLY || h->type == VW_VIRNET_REPLY_WITH_FDS;

    if (call && h->status == VW_VIRNET_OK) {
        return VW_ORACLE_VIRNET_ARGS;
    }
    if (reply && h->status == VW_VIRNET_OK) {
        return VW_ORACLE_VIRNET_RET;
    }
    if (reply && h->status == VW_VIRNET_ERROR) {
        return VW_ORACLE_VIRNET_ERROR;
    }
    if (h->type == VW_VIRNET_MESSAGE && h->status == VW_VIRNET_OK) {
        return VW_ORACLE_VIRNET_MSG;
    }
    return VW_ORACLE_VIRNET_NUM_WHICH;
}

static void set_add(enum bench_class c, const struct bench_msg *m) {
    struct bench_set *s = &sets[c];

    if (s->msgs == NULL && (s->msgs = calloc(BENCH_MSGS_MAX, sizeof(*s->msgs))) == NULL) {
        die("out of memory");
    }
    if (s->num_msgs == BENCH_MSGS_MAX) {
        die("too many messages");
    }
    s->msgs[s->num_msgs++] = *m;
    s->bytes += m->len;
}

static void add_message(const uint8_t *p, size_t len) {
    struct bench_msg m = { .len = len };
    struct vw_diag diag = { 0 };
    struct vw_virnet_msg out;
    enum vw_oracle_virnet_which w;
    uint32_t n;

    num_total++;
    if (vw_virnet_decode_header(&n, &m.hdr, &diag, p, len) < 0) {
        die("a sample message has no valid header");
    }
    w = which_of(&m.hdr);
    if (w == VW_ORACLE_VIRNET_NUM_WHICH ||
        !vw_oracle_virnet_filter(m.hdr.prog, m.hdr.proc, w, &m.filter, &m.size)) {
        num_no_filter++;
        return;
    }
    if (m.size > BENCH_STRUCT_MAX) {
        die("an rpcgen struct is larger than the zeroed area");
    }
    if (vw_virnet_decode(&out, &diag, NULL, p, len, -1, 0, NULL, NULL) < 0) {
        fprintf(stderr, "bench_virnet: vw_virnet_decode rejects prog %#" PRIx32 " proc %" PRId32
                        ": %s at %zu\n", m.hdr.prog, m.hdr.proc, vw_err_name(diag.code),
                diag.offset);
        die("check: ours rejects a recorded message");
    }
    if (out.body_kind != VW_VIRNET_BODY_XDR) {
        num_no_schema++;
        return;
    }
    /* libvirt's buffer is its own allocation; malloc aligns it for xdrmem's aligned ops */
    if ((m.p = malloc(len)) == NULL) {
        die("out of memory");
    }
    memcpy(m.p, p, len);
    set_add(CLS_ALL, &m);
    if (w == VW_ORACLE_VIRNET_ARGS) {
        set_add(CLS_CALL, &m);
    } else if (w == VW_ORACLE_VIRNET_MSG) {
        set_add(CLS_EVENT, &m);
    } else {
        set_add(CLS_REPLY, &m);
    }
    if (m.hdr.prog == VW_VIRNET_REMOTE_PROGRAM && m.hdr.proc == PROC_DOMAIN_GET_XML_DESC &&
        w == VW_ORACLE_VIRNET_RET) {
        set_add(CLS_XMLDESC, &m);
    }
    if (m.hdr.prog == VW_VIRNET_REMOTE_PROGRAM && m.hdr.proc == PROC_DOMAIN_DEFINE_XML &&
        w == VW_ORACLE_VIRNET_ARGS) {
        set_add(CLS_DEFINE, &m);
    }
}

static void load_messages(void) {
    const char *dir_path = getenv("VW_BENCH_VIRNET_DIR");
    char *names[256];
    size_t num_names = 0;
    struct dirent *de;
    DIR *dir;

    if (dir_path == NULL || *dir_path == '\0') {
        dir_path = VW_BENCH_VIRNET_DIR;
    }
    if ((dir = opendir(dir_path)) == NULL) {
        die("cannot open the sample directory");
    }
    while ((de = readdir(dir)) != NULL) {
        if (!has_suffix(de->d_name, ".c2s.bin") && !has_suffix(de->d_name, ".s2c.bin")) {
            continue;
        }
        if (num_names == sizeof(names) / sizeof(names[0])) {
            die("too many sample streams");
        }
        if ((names[num_names++] = strdup(de->d_name)) == NULL) {
            die("out of memory");
        }
    }
    closedir(dir);
    qsort(names, num_names, sizeof(names[0]), cmp_name);
    for (size_t i = 0; i < num_names; i++) {
        char path[4096];
        size_t len, off = 0;
        uint8_t *buf;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir_path, names[i]) >= sizeof(path)) {
            die("sample path too long");
        }
        buf = read_file(path, &len);
        while (off < len) {
            uint32_t n;

            if (len - off < VW_VIRNET_LEN_SIZE) {
                die("a sample stream ends inside a length word");
            }
            n = vw_load_be32(buf + off);
            if (n < VW_VIRNET_LEN_MIN || n > len - off) {
                die("a sample stream has a bad length word");
            }
            add_message(buf + off, n);
            off += n;
        }
        free(buf);
        free(names[i]);
        num_streams++;
    }
    if (sets[CLS_ALL].num_msgs == 0) {
        die("no message to benchmark");
    }
}

/* ---- the decoders, one message each ---- */

/* What each decode feeds the sink: the same value from both decoders. */
static inline uint64_t digest(uint32_t serial, int32_t proc, size_t payload_len) {
    return (uint64_t)serial + (uint32_t)proc + payload_len;
}

struct bench_count {
    uint64_t num_items;
    uint64_t acc;
};

/* count_item: a visitor that consumes every field (its value, or its length for bytes). */
static int count_item(void *ctx, const struct vw_xs_item *it) {
    struct bench_count *c = ctx;

    c->num_items++;
    c->acc += it->u + it->bytes.len;
    return 0;
}

static inline uint64_t ours(const struct bench_msg *bm, bool visit, struct bench_count *c) {
    struct vw_virnet_msg m;
    struct vw_diag diag = { 0 };

    if (vw_virnet_decode(&m, &diag, NULL, bm->p, bm->len, -1, 0, visit ? count_item : NULL,
                         c) < 0 ||
        m.body_kind != VW_VIRNET_BODY_XDR) {
        die("ours: decode failed");
    }
    return digest(m.hdr.serial, m.hdr.proc, m.body.len);
}

static inline uint64_t ours_plain(const struct bench_msg *bm) {
    return ours(bm, false, NULL);
}

static inline uint64_t ours_visit(const struct bench_msg *bm) {
    struct bench_count c = { 0, 0 };
    uint64_t dg = ours(bm, true, &c);

    return dg + c.num_items + c.acc;
}

/* xdr_bench_header: rpcgen's xdr_virNetMessageHeader (virnetprotocol.x). */
struct bench_header {
    u_int prog;
    u_int vers;
    int proc;
    enum_t type;
    u_int serial;
    enum_t status;
};

static bool_t xdr_bench_header(XDR *x, struct bench_header *h) {
    return xdr_u_int(x, &h->prog) && xdr_u_int(x, &h->vers) && xdr_int(x, &h->proc) &&
           xdr_enum(x, &h->type) && xdr_u_int(x, &h->serial) && xdr_enum(x, &h->status);
}

/* tirpc: libvirt's decode of one message; |zeroed| uses zero_area instead of calloc + free.
 * Returns the digest; |*out_pos| gets the payload bytes the filter consumed. */
static inline uint64_t tirpc(const struct bench_msg *bm, bool zeroed, u_int *out_pos) {
    XDR x;
    u_int len, off, num_fds, pos;
    struct bench_header h;
    void *obj;

    /* virNetMessageDecodeLength */
    xdrmem_create(&x, (char *)bm->p, VW_VIRNET_LEN_SIZE, XDR_DECODE);
    if (!xdr_u_int(&x, &len) || len < VW_VIRNET_LEN_MIN || len > VW_VIRNET_LEN_MAX ||
        len != bm->len) {
        die("tirpc: length word");
    }
    off = xdr_getpos(&x);
    xdr_destroy(&x);
    /* virNetMessageDecodeHeader */
    xdrmem_create(&x, (char *)bm->p + off, len - off, XDR_DECODE);
    if (!xdr_bench_header(&x, &h)) {
        die("tirpc: header");
    }
    off += xdr_getpos(&x);
    xdr_destroy(&x);
    /* virNetMessageDecodeNumFDs */
    if (h.type == VW_VIRNET_CALL_WITH_FDS || h.type == VW_VIRNET_REPLY_WITH_FDS) {
        xdrmem_create(&x, (char *)bm->p + off, len - off, XDR_DECODE);
        if (!xdr_u_int(&x, &num_fds) || num_fds > VW_VIRNET_NUM_FDS_MAX) {
            die("tirpc: fd count");
        }
        off += xdr_getpos(&x);
        xdr_destroy(&x);
    }
    /* virNetMessageDecodePayload into the dispatcher's g_new0'ed struct */
    if (zeroed) {
        obj = zero_area;
        memset(obj, 0, bm->size);
    } else if ((obj = calloc(1, bm->size)) == NULL) {
        die("tirpc: out of memory");
    }
    xdrmem_create(&x, (char *)bm->p + off, len - off, XDR_DECODE);
    if (!bm->filter(&x, obj)) {
        die("tirpc: payload");
    }
    pos = xdr_getpos(&x);
    xdr_destroy(&x);
    /* xdr_free(filter, obj), without casting the filter to xdrproc_t */
    x.x_op = XDR_FREE;
    (void)bm->filter(&x, obj);
    if (!zeroed) {
        free(obj);
    }
    *out_pos = pos;
    return digest(h.serial, h.proc, pos);
}

static inline uint64_t tirpc_alloc(const struct bench_msg *bm) {
    u_int pos;
    return tirpc(bm, false, &pos);
}

static inline uint64_t tirpc_zero(const struct bench_msg *bm) {
    u_int pos;
    return tirpc(bm, true, &pos);
}

/* ---- startup checks ---- */

static void check_messages(void) {
    const struct bench_set *s = &sets[CLS_ALL];

    for (size_t i = 0; i < s->num_msgs; i++) {
        const struct bench_msg *bm = &s->msgs[i];
        struct vw_virnet_msg m;
        struct vw_diag diag = { 0 };
        struct bench_count c = { 0, 0 };
        u_int pos = 0, pos_zero = 0;
        uint64_t want;

        if (vw_virnet_decode(&m, &diag, NULL, bm->p, bm->len, -1, 0, count_item, &c) < 0 ||
            m.body_kind != VW_VIRNET_BODY_XDR || m.len != bm->len ||
            memcmp(&m.hdr, &bm->hdr, sizeof(m.hdr)) != 0 || c.num_items == 0) {
            die("check: ours rejects or misreads a message");
        }
        want = digest(m.hdr.serial, m.hdr.proc, m.body.len);
        /* libtirpc must consume exactly the payload ours checked (libvirt itself does not
         * look at trailing bytes; ours rejects them) */
        if (tirpc(bm, false, &pos) != want || pos != m.body.len ||
            tirpc(bm, true, &pos_zero) != want || pos_zero != pos) {
            die("check: libtirpc rejects a message or reads a different payload size");
        }
        if (ours_plain(bm) != want || ours_visit(bm) != want + c.num_items + c.acc ||
            tirpc_alloc(bm) != want || tirpc_zero(bm) != want) {
            die("check: a timed decoder disagrees");
        }
    }
}

static void print_summary(FILE *f) {
    fprintf(f, "streams=%zu messages=%zu benchmarked=%zu no_oracle_filter=%zu "
               "no_schema=%zu\n",
            num_streams, num_total, sets[CLS_ALL].num_msgs, num_no_filter, num_no_schema);
    for (size_t c = 0; c < NUM_CLS; c++) {
        fprintf(f, "class %s msgs=%zu bytes=%zu\n", class_names[c], sets[c].num_msgs,
                sets[c].bytes);
    }
}

/* ---- timing ---- */

/* One noinline loop per decoder, with the decode inlined into it; |passes| times over |s|. */
#define BENCH_LOOP(name, expr)                                                     \
    static __attribute__((noinline)) void name(const struct bench_set *s,          \
                                               size_t passes) {                    \
        uint64_t acc = 0;                                                          \
        for (size_t i = 0; i < passes; i++) {                                      \
            for (size_t k = 0; k < s->num_msgs; k++) {                             \
                acc += (expr)(&s->msgs[k]);                                        \
                sink = acc;                                                        \
            }                                                                      \
        }                                                                          \
    }

BENCH_LOOP(loop_ours, ours_plain)
BENCH_LOOP(loop_ours_visit, ours_visit)
BENCH_LOOP(loop_tirpc, tirpc_alloc)
BENCH_LOOP(loop_tirpc_zero, tirpc_zero)

struct decoder {
    const char *name;
    void (*loop)(const struct bench_set *s, size_t passes);
};

static const struct decoder decoders[] = {
    { "ours", loop_ours },
    { "ours_visit", loop_ours_visit },
    { "tirpc", loop_tirpc },
    { "tirpc_zero", loop_tirpc_zero },
};
#define NUM_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

static double now_ns(void) {
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        die("clock_gettime failed");
    }
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_variant(enum bench_class c, const struct decoder *dec, size_t iterations,
                        size_t reps) {
    const struct bench_set *s = &sets[c];
    double ns[BENCH_REPS_MAX];
    size_t passes = (iterations + s->num_msgs - 1) / s->num_msgs;
    size_t warmup = passes / 100;
    size_t per_rep = passes * s->num_msgs;
    double median;

    dec->loop(s, warmup);
    for (size_t r = 0; r < reps; r++) {
        double t0 = now_ns();
        dec->loop(s, passes);
        ns[r] = (now_ns() - t0) / (double)per_rep;
    }
    qsort(ns, reps, sizeof(ns[0]), cmp_double);
    median = reps % 2 != 0 ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2.0;
    printf("%s_%s bytes=%.1f msgs=%zu iterations=%zu reps=%zu warmup=%zu decodes=%zu "
           "best_ns=%.2f median_ns=%.2f\n",
           class_names[c], dec->name, (double)s->bytes / (double)s->num_msgs, s->num_msgs,
           per_rep, reps, warmup * s->num_msgs, (warmup + passes * reps) * s->num_msgs, ns[0],
           median);
    fflush(stdout);
}

static size_t parse_count(const char *s, size_t max, const char *what) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);

    if (*s == '\0' || *end != '\0' || *s == '-' || v == 0 || v > max) {
        fprintf(stderr, "bench_virnet: bad %s '%s' (1..%zu)\n", what, s, max);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv) {
    size_t iterations, reps;
    bool all, found = false;
    char name[64];

    if (argc == 2 && strcmp(argv[1], "info") == 0) {
#if defined(__clang__)
        printf("compiler=clang %s\n", __clang_version__);
#elif defined(__GNUC__)
        printf("compiler=gcc %s\n", __VERSION__);
#else
        printf("compiler=unknown\n");
#endif
        printf("title=libvirt RPC (virnet) decode of recorded libvirtd 9.0 traffic\n");
        return 0;
    }
    load_messages();
    if (argc == 2 && strcmp(argv[1], "list") == 0) {
        for (size_t c = 0; c < NUM_CLS; c++) {
            for (size_t k = 0; k < NUM_DECODERS && sets[c].num_msgs != 0; k++) {
                printf("%s_%s\n", class_names[c], decoders[k].name);
            }
        }
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "summary") == 0) {
        check_messages();
        print_summary(stdout);
        return 0;
    }
    if (argc != 4) {
        fprintf(stderr, "usage: bench_virnet VARIANT|all ITERATIONS REPS\n"
                        "       bench_virnet list|info|summary\n");
        return 2;
    }
    iterations = parse_count(argv[2], SIZE_MAX / BENCH_REPS_MAX / BENCH_MSGS_MAX, "ITERATIONS");
    reps = parse_count(argv[3], BENCH_REPS_MAX, "REPS");
    all = strcmp(argv[1], "all") == 0;

    check_messages();
    print_summary(stderr);
    for (size_t c = 0; c < NUM_CLS; c++) {
        for (size_t k = 0; k < NUM_DECODERS; k++) {
            snprintf(name, sizeof(name), "%s_%s", class_names[c], decoders[k].name);
            if (sets[c].num_msgs != 0 && (all || strcmp(argv[1], name) == 0)) {
                run_variant((enum bench_class)c, &decoders[k], iterations, reps);
                found = true;
            }
        }
    }
    if (!found) {
        fprintf(stderr, "bench_virnet: unknown variant '%s' (try 'list')\n", argv[1]);
        return 2;
    }
    return 0;
}
