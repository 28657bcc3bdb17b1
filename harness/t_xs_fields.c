/* t_xs_fields.c -- conformance/xs_fields.c: decoded XDR items to (path, value) fields and back.
 *
 * Round trips on the committed corpus: every payload seed of corpus/fuzz/virnet_differential
 * (one per payload schema of reference/virnet_procs.c, plus the real payloads), every message
 * of the recorded libvirtd sessions corpus/samples/virnet/<*>.bin and every qemud seed of
 * corpus/fuzz/qemud_decode is decoded strictly, flattened, rebuilt from its own fields as
 * assignments and encoded: the bytes must be the input's.  Coverage: every payload schema of
 * every virnet procedure and every qemud arm in both directions must have been round-tripped.
 * Then one test per building and rendering rule (xs_fields.h).
 * Usage: t_xs_fields VIRNET_DIFFERENTIAL_DIR VIRNET_SAMPLES_DIR QEMUD_DECODE_DIR.
 * Exit status: 0 all passed, 1 not. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemud.h"
#include "virnet.h"
#include "virnet_procs.h"
#include "xs_fields.h"

static int failures, cases;
static const char *current = "";

#define EXPECT(cond)                                                                  \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "t_xs_fields: %s:%d: %s: failed: %s\n", __FILE__, __LINE__, \
                    current, #cond);                                                  \
            failures++;                                                               \
        }                                                                             \
    } while (0)

#define SEEN_MAX 512
static const struct vw_xs_type *seen[SEEN_MAX];
static size_t num_seen;

static void mark_seen(const struct vw_xs_type *t) {
    for (size_t i = 0; i < num_seen; i++) {
        if (seen[i] == t) {
            return;
        }
    }
    if (num_seen < SEEN_MAX) {
        seen[num_seen++] = t;
    }
}

static bool was_seen(const struct vw_xs_type *t) {
    for (size_t i = 0; i < num_seen; i++) {
        if (seen[i] == t) {
            return true;
        }
    }
    return false;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *p = NULL;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0 || (p = malloc((size_t)n + 1)) == NULL ||
        fread(p, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "t_xs_fields: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* roundtrip decodes |body| as |t| strictly, flattens it under |root|, rebuilds it from the
 * fields and encodes it: the bytes must come back.  Returns the number of fields. */
static size_t roundtrip(const struct vw_xs_type *t, const char *root, struct vw_span body) {
    struct vw_xsf_items items = { 0 };
    struct vw_cf_msg m = { 0 };
    struct vw_cf_buf out = { 0 };
    struct vw_txn_assign *a = NULL;
    struct vw_diag diag = { 0 };
    bool *used = NULL;
    char err[256] = "";
    size_t num = 0;
    int r;

    cases++;
    r = vw_xs_decode_body(t, body.p, body.p, body.len, 0, &diag, NULL, vw_xsf_collect, &items);
    EXPECT(r == 0);
    if (r == 0) {
        EXPECT(vw_xsf_flatten(&m, root, items.v, items.num) == 0);
        num = m.num_fields;
        a = calloc(m.num_fields + 1, sizeof(*a));
        used = calloc(m.num_fields + 1, sizeof(*used));
        if (a == NULL || used == NULL) {
            exit(1);
        }
        for (size_t i = 0; i < m.num_fields; i++) {
            a[i] = (struct vw_txn_assign){ .path = m.fields[i].path,
                                           .value = m.fields[i].value, .line = (unsigned)i };
        }
        r = vw_xsf_encode(t, root, a, m.num_fields, used, &out, err, sizeof(err));
        if (r != 0) {
            fprintf(stderr, "t_xs_fields: %s: %s\n", current, err);
        }
        EXPECT(r == 0);
        EXPECT(vw_xsf_check_used(a, m.num_fields, used, err, sizeof(err)) == 0);
        EXPECT(out.len == body.len && (body.len == 0 || memcmp(out.p, body.p, body.len) == 0));
        mark_seen(t);
    }
    free(a);
    free(used);
    vw_cf_buf_free(&out);
    vw_cf_msg_cleanup(&m);
    vw_xsf_items_free(&items);
    return num;
}

/* ---- virnet payload seeds: selector (program index, procedure, payload index) + payload */

static const uint32_t progs[] = {
    VW_VIRNET_REMOTE_PROGRAM, VW_VIRNET_QEMU_PROGRAM, VW_VIRNET_LXC_PROGRAM,
    VW_VIRNET_KEEPALIVE_PROGRAM, VW_VIRNET_ADMIN_PROGRAM,
};

static void virnet_seed(const char *path) {
    const struct vw_virnet_proc *p;
    const struct vw_xs_type *t = NULL;
    size_t len;
    uint8_t *in = read_file(path, &len);

    current = path;
    if (len < 4 || in[0] >= sizeof(progs) / sizeof(progs[0])) {
        EXPECT(!"seed without a selector");
        free(in);
        return;
    }
    p = vw_virnet_proc_find(progs[in[0]], (int32_t)(in[1] << 8 | in[2]));
    switch (in[3]) {
    case 0:
        t = p != NULL ? p->args : NULL;
        break;
    case 1:
        t = p != NULL ? p->ret : NULL;
        break;
    case 2:
        t = p != NULL ? p->msg : NULL;
        break;
    case 3:
        t = &vw_virnet_error_type;
        break;
    default:
        t = &vw_virnet_stream_hole_type;
        break;
    }
    EXPECT(t != NULL);
    if (t != NULL) {
        roundtrip(t, "", (struct vw_span){ in + 4, len - 4 });
    }
    free(in);
}

/* virnet_stream frames a recorded session and round-trips every XDR payload. */
static void virnet_stream(const char *path) {
    struct vw_virnet_framer f;
    size_t len, off = 0, used = 0;
    uint8_t *in = read_file(path, &len);
    int r;

    current = path;
    vw_virnet_framer_init(&f);
    while (off < len && (r = vw_virnet_feed(&f, in + off, len - off, &used)) >= 0) {
        struct vw_virnet_msg m;
        struct vw_span msg;
        off += used;
        if (r != 1) {
            continue;
        }
        vw_virnet_message(&f, &msg);
        EXPECT(vw_virnet_decode(&m, NULL, NULL, msg.p, msg.len, -1, 0, NULL, NULL) == 0);
        if (m.body_kind == VW_VIRNET_BODY_XDR) {
            roundtrip(m.body_type, "", m.body);
        }
    }
    vw_virnet_framer_cleanup(&f);
    free(in);
}

static void qemud_seed(const char *path) {
    struct vw_qemud_msg m;
    size_t len;
    uint8_t *in = read_file(path, &len);

    current = path;
    if (len > 1 &&
        vw_qemud_decode(&m, NULL, NULL, in + 1, len - 1, in[0] & 1, 0, NULL, NULL) == 0) {
        roundtrip(m.body_type, "", m.body);
    }
    free(in);
}

static void each_file(const char *dir, void (*fn)(const char *)) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];

    if (d == NULL) {
        fprintf(stderr, "t_xs_fields: cannot open %s\n", dir);
        exit(1);
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' ||
            (fn == virnet_stream && strstr(e->d_name, ".bin") == NULL)) {
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        fn(path);
    }
    closedir(d);
}

static void coverage(void) {
    const struct vw_virnet_proc *p;

    current = "coverage";
    for (size_t i = 0; (p = vw_virnet_proc_at(i)) != NULL; i++) {
        const struct vw_xs_type *ts[3] = { p->args, p->ret, p->msg };
        for (size_t k = 0; k < 3; k++) {
            if (ts[k] != NULL && !was_seen(ts[k])) {
                fprintf(stderr, "t_xs_fields: %s payload %zu not round-tripped\n", p->name, k);
                failures++;
            }
        }
    }
    EXPECT(was_seen(&vw_virnet_error_type));
    EXPECT(was_seen(&vw_virnet_stream_hole_type));
    for (int dir = 0; dir < 2; dir++) {
        int32_t max = dir == 0 ? VW_QEMUD_CLIENT_PKT_MAX : VW_QEMUD_SERVER_PKT_MAX;
        for (int32_t ty = 0; ty < max; ty++) {
            const struct vw_xs_type *t = vw_qemud_arm_type(dir, ty);
            if (t != NULL && t != &vw_xs_void && !was_seen(t)) {
                fprintf(stderr, "t_xs_fields: qemud %s arm %s not round-tripped\n",
                        dir == 0 ? "client" : "server", vw_qemud_type_name(dir, ty));
                failures++;
            }
        }
    }
}

/* ---- rules ---- */

/* struct { int a; string s<8>; unsigned int list<4>; int *opt; char name[6];
 *          union switch (int d) { case 1: hyper h; case 2: void; } u; } */
static const struct vw_xs_type s8 = { .kind = VW_XS_STRING, .name = "string<8>", .n = 8 };
static const struct vw_xs_type list4 = { .kind = VW_XS_ARRAY, .name = "list", .n = 4,
                                         .elem = &vw_xs_uint };
static const struct vw_xs_type opt = { .kind = VW_XS_OPTIONAL, .name = "opt",
                                       .elem = &vw_xs_int };
static const struct vw_xs_type name6 = { .kind = VW_XS_VECTOR, .name = "char[6]", .n = 6,
                                         .elem = &vw_xs_char };
static const struct vw_xs_arm arms[] = { { 1, "h", &vw_xs_hyper }, { 2, NULL, &vw_xs_void } };
static const struct vw_xs_type un = { .kind = VW_XS_UNION, .name = "u", .arms = arms,
                                      .num_arms = 2 };
static const struct vw_xs_field fields[] = {
    { "a", &vw_xs_int }, { "s", &s8 }, { "list", &list4 }, { "opt", &opt },
    { "name", &name6 }, { "u", &un },
};
static const struct vw_xs_type st = { .kind = VW_XS_STRUCT, .name = "st", .fields = fields,
                                      .num_fields = 6 };

/* build encodes the assignments "p1", "v1", ... and returns the code; |out| gets the bytes. */
static int build(const char *const *pv, size_t n, struct vw_cf_buf *out, char *err) {
    struct vw_txn_assign a[16];
    bool used[16] = { false };
    int r;

    for (size_t i = 0; i < n; i++) {
        a[i] = (struct vw_txn_assign){ .path = pv[2 * i], .value = pv[2 * i + 1],
                                       .line = (unsigned)i + 1 };
    }
    r = vw_xsf_encode(&st, "", a, n, used, out, err, 256);
    return r < 0 ? r : vw_xsf_check_used(a, n, used, err, 256);
}

static void rules(void) {
    static const uint8_t want[] = {
        0xff, 0xff, 0xff, 0xfe,  0, 0, 0, 3, 'a', '"', 1, 0,  0, 0, 0, 3,  0, 0, 0, 0,
        0, 0, 0, 0,  0, 0, 0, 7,  0, 0, 0, 0,  0, 0, 0, 'h', 0, 0, 0, 'i', 0, 0, 0, 0,
        0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 0,  0, 0, 0, 1,  0, 0, 0, 0, 0, 0, 0, 5,
    };
    const char *ok[] = { "a", "-2", "s", "\"a\\\"\\x01\"", "list[2]", "7", "name", "\"hi\"",
                         "u", "1", "u.h", "5", "list[0]", "0", "list[1]", "0" };
    struct vw_cf_buf out = { 0 };
    struct vw_cf_msg m = { 0 };
    struct vw_xsf_items items = { 0 };
    char err[256] = "";

    current = "rules: count from the highest index, optional absent, vector padded";
    EXPECT(build(ok, 8, &out, err) == 0);
    EXPECT(out.len == sizeof(want) && memcmp(out.p, want, sizeof(want)) == 0);

    current = "rules: flatten names, escapes, counts, null, char vector, union";
    EXPECT(vw_xs_decode_body(&st, out.p, out.p, out.len, 0, NULL, NULL, vw_xsf_collect,
                             &items) == 0);
    EXPECT(vw_xsf_flatten(&m, "ret", items.v, items.num) == 0);
    EXPECT(m.num_fields == 10);
    EXPECT(vw_cf_msg_field(&m, "ret.a") != NULL && strcmp(vw_cf_msg_field(&m, "ret.a"), "-2") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.s") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.s"), "\"a\\\"\\x01\"") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.list") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.list"), "3") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.list[1]") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.list[1]"), "0") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.opt") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.opt"), "null") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.name") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.name"), "\"hi\"") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.u") != NULL && strcmp(vw_cf_msg_field(&m, "ret.u"), "1") == 0);
    EXPECT(vw_cf_msg_field(&m, "ret.u.h") != NULL &&
           strcmp(vw_cf_msg_field(&m, "ret.u.h"), "5") == 0);
    vw_cf_msg_cleanup(&m);
    vw_xsf_items_free(&items);

    {
        const char *v[] = { "a", "1", "s", "x\"6869\"", "list", "0", "opt", "9", "name",
                            "x\"00\"", "u", "2" };
        current = "rules: explicit count, optional present, hex for a string, void arm";
        out.len = 0;
        EXPECT(build(v, 6, &out, err) == 0);
        EXPECT(out.len == 4 + 8 + 4 + 8 + 24 + 4);
    }
    {
        const char *v[] = { "s", "\"x\"", "name", "\"\"", "u", "2" };
        current = "rules: missing mandatory scalar names its path";
        EXPECT(build(v, 3, &out, err) == VW_E_MEMBER && strstr(err, "a:") == err);
    }
    {
        const char *v[] = { "a", "1", "s", "\"x\"", "name", "\"\"", "u", "2", "nope", "1" };
        current = "rules: unknown path";
        EXPECT(build(v, 5, &out, err) == VW_E_MEMBER && strstr(err, "unknown path nope"));
    }
    {
        const char *v[] = { "a", "1", "a", "2", "s", "\"\"", "name", "\"\"", "u", "2" };
        current = "rules: assigned twice";
        EXPECT(build(v, 5, &out, err) == VW_E_MEMBER && strstr(err, "twice") != NULL);
    }
    {
        const char *v[] = { "a", "\"one\"", "s", "\"x\"", "name", "\"\"", "u", "2" };
        current = "rules: wrong type";
        EXPECT(build(v, 4, &out, err) == VW_E_TYPE && strstr(err, "line 1: a") == err);
    }
    {
        const char *v[] = { "a", "1", "s", "\"x\"", "name", "\"\"" };
        current = "rules: missing discriminant";
        EXPECT(build(v, 3, &out, err) == VW_E_MEMBER && strstr(err, "u:") == err);
    }
    {
        const char *v[] = { "a", "1", "s", "\"x\"", "name", "\"\"", "u", "3" };
        current = "rules: discriminant with no arm";
        EXPECT(build(v, 4, &out, err) == VW_E_DISCRIMINANT);
    }
    {
        const char *v[] = { "a", "1", "s", "\"x\"", "name", "\"toolong\"", "u", "2" };
        current = "rules: char vector too long";
        EXPECT(build(v, 4, &out, err) == VW_E_TOO_LONG);
    }
    {
        const char *v[] = { "a", "1", "s", "\"unterminated", "name", "\"\"", "u", "2" };
        current = "rules: bad string";
        EXPECT(build(v, 4, &out, err) == VW_E_TYPE);
    }
    vw_cf_buf_free(&out);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: t_xs_fields VIRNET_DIFFERENTIAL_DIR VIRNET_SAMPLES_DIR "
                        "QEMUD_DECODE_DIR\n");
        return 2;
    }
    each_file(argv[1], virnet_seed);
    each_file(argv[2], virnet_stream);
    each_file(argv[3], qemud_seed);
    coverage();
    rules();
    printf("t_xs_fields: %d round trips and rules, %zu schemas covered, %d failures\n", cases,
           num_seen, failures);
    return failures == 0 && cases > 100 ? 0 : 1;
}
