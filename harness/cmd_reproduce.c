/* cmd_reproduce.c -- `virtwire reproduce FILE [--target T] [--build DIR] [--minimize [-o PATH]]
 * [--regress [--name N] [--root DIR] [--force]] [--no-run]` (issue 7 point 2).
 *
 * Shows a fuzz input as its target reads it (the message dump of `virtwire decode -v`, or a
 * hex dump with the fields of the target's header comment), runs the target of a libFuzzer
 * ASan+UBSan build once on it, prints the sanitizer report, its signature and a verdict;
 * --minimize shrinks a crashing input with libFuzzer's -minimize_crash keeping the signature;
 * --regress files the input as a corpus regression input plus a test vector
 * (corpus/regress/<T>/<sha8>.expect, checked by tests/test_regress_vectors.py).
 *
 * Exit status: 1 the input crashes the target (or --regress refused a crashing input),
 * 0 it does not, 2 usage error, unreadable input, unknown target or no sanitizer build. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "decode.h"
#include "err.h"
#include "fuzz_campaign.h"
#include "fuzz_targets.h"

#define VW_REPRO_INPUT_MAX (64u << 20)  /* a fuzz input; libFuzzer's -max_len is far below */
#define VW_REPRO_HEX_MAX 4096u          /* bytes shown by the hex dump */
#define VW_REPRO_RUN_S 60u              /* one run of the target (libFuzzer -timeout) */
#define VW_REPRO_MIN_S 60u              /* --minimize: libFuzzer -max_total_time */
#define VW_REPRO_MIN_RUNS 100000u       /* --minimize: libFuzzer -runs per attempt */
#define VW_REPRO_KILL_GRACE_S 30u       /* past -max_total_time the minimiser is killed */
#define VW_REPRO_OPTS_MAX (1u << 20)    /* meson-info/intro-buildoptions.json read at most */
#define VW_REPRO_NAME_MAX 64u           /* --name suffix of a regression input */

struct repro {
    const char *file;
    const char *target_name;
    const char *build;
    const char *min_out;
    const char *root;
    const char *name;
    bool minimize, regress, force, no_run;
    const struct vw_fuzz_target *t;
    char exe[PATH_MAX];
};

/* The decode of the message an input holds: what `virtwire decode` says about it. */
struct decode_result {
    int kind;                       /* 0 hex dump only, 1 decoded, 2 shorter than control */
    const char *protocol;
    int from;
    int exit;                       /* as `virtwire decode`: 0 valid, 1 invalid, 2 unread */
    char code[40];                  /* first error's VW_E_ name, or "-" */
    long offset;                    /* its stream offset, or -1 */
};

/* ---- SHA-256 (FIPS 180-4), for the input's name and the test vector's check ---- */

struct sha256 {
    uint32_t h[8];
    uint8_t block[64];
    size_t fill;
    uint64_t bits;
};

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned n) {
    return x >> n | x << (32 - n);
}

static void sha256_block(struct sha256 *s, const uint8_t *p) {
    uint32_t w[64], v[8];

    for (unsigned i = 0; i < 16; i++) {
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    }
    for (unsigned i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    memcpy(v, s->h, sizeof(v));
    for (unsigned i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + sha256_k[i] + w[i];
        uint32_t t2 = (ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof(v[0]));
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (unsigned i = 0; i < 8; i++) {
        s->h[i] += v[i];
    }
}

static void sha256_hex(const uint8_t *p, size_t len, char out[65]) {
    static const uint32_t init[8] = { 0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19 };
    struct sha256 s = { .fill = 0, .bits = (uint64_t)len * 8 };
    uint8_t tail[128] = { 0 };
    size_t tail_len;

    memcpy(s.h, init, sizeof(init));
    while (len >= 64) {
        sha256_block(&s, p);
        p += 64;
        len -= 64;
    }
    memcpy(tail, p, len);
    tail[len] = 0x80;
    tail_len = len + 1 + 8 <= 64 ? 64 : 128;
    for (unsigned i = 0; i < 8; i++) {
        tail[tail_len - 1 - i] = (uint8_t)(s.bits >> (8 * i));
    }
    for (size_t off = 0; off < tail_len; off += 64) {
        sha256_block(&s, tail + off);
    }
    for (unsigned i = 0; i < 8; i++) {
        snprintf(out + 8 * i, 9, "%08x", s.h[i]);
    }
}

/* ---- input, target and build ---- */

static void reproduce_usage(FILE *f) {
    fputs("usage: virtwire reproduce FILE [--target T] [--build DIR] [--minimize [-o PATH]]\n"
          "                          [--regress [--name N] [--root DIR] [--force]] [--no-run]\n"
          "  --target T   the fuzz target (else from FILE's place: corpus/fuzz/T/..., a crash\n"
          "               file T-<hash>.input, or a libFuzzer work dir .../T/crashes/...)\n"
          "  --build DIR  a libFuzzer ASan+UBSan build (default: this virtwire's build when it\n"
          "               is one, else $VW_FUZZ_BUILD)\n"
          "  --minimize   shrink a crashing input keeping its signature (FILE.min, or -o PATH)\n"
          "  --regress    file the input (the minimised one with --minimize) as\n"
          "               corpus/fuzz/T/regress-<sha8>[-N] and corpus/regress/T/<sha8>.expect\n"
          "               under --root (default: the tree FILE is in, else the build's source)\n"
          "  --force      file an input that still crashes (the vector fails until it is fixed)\n"
          "  --no-run     only show the input and its decode result (no build needed)\n"
          "targets:",
          f);
    for (size_t i = 0; vw_fuzz_target_at(i) != NULL; i++) {
        fprintf(f, " %s", vw_fuzz_target_at(i)->name);
    }
    fputc('\n', f);
}

/* read_input reads |path| whole into a malloc'd buffer.  Returns 0, VW_E_TOO_LONG (over
 * VW_REPRO_INPUT_MAX), VW_E_NOMEM, or VW_E_INVALID (cannot open or read; errno kept). */
static int read_input(const char *path, uint8_t **out, size_t *out_len) {
    struct stat st;
    uint8_t *buf;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        return VW_E_INVALID;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        errno = EINVAL;
        return VW_E_INVALID;
    }
    if ((uint64_t)st.st_size > VW_REPRO_INPUT_MAX) {
        close(fd);
        return VW_E_TOO_LONG;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return VW_E_NOMEM;
    }
    while (len < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;          /* shrank while read: keep what is there */
        }
        len += (size_t)n;
    }
    close(fd);
    *out = buf;
    *out_len = len;
    return 0;
}

/* target_of_path infers the target from where |path| lies: a parent directory named after a
 * target (corpus/fuzz/T/FILE), a `virtwire fuzz` crash file T-<hash>.input (or the
 * T-<hash>.input.min --minimize made of it), or a libFuzzer work directory
 * .../T/crashes/FILE (any ancestor named after a target). */
static const struct vw_fuzz_target *target_of_path(const char *path) {
    char buf[PATH_MAX];
    const struct vw_fuzz_target *t;
    char *slash, *base, *dash;
    size_t n = strlen(path);

    if (n >= sizeof(buf)) {
        return NULL;
    }
    memcpy(buf, path, n + 1);
    base = strrchr(buf, '/');
    base = base != NULL ? base + 1 : buf;
    n = strlen(base);
    if (n > 4 && strcmp(base + n - 4, ".min") == 0) {
        base[n - 4] = '\0';        /* what --minimize wrote next to it */
        n -= 4;
    }
    dash = strrchr(base, '-');
    if (dash != NULL && n > 6 && strcmp(base + n - 6, ".input") == 0) {
        *dash = '\0';
        if ((t = vw_fuzz_target_find(base)) != NULL) {
            return t;
        }
        *dash = '-';
    }
    while ((slash = strrchr(buf, '/')) != NULL) {
        *slash = '\0';
        const char *dir = strrchr(buf, '/');
        dir = dir != NULL ? dir + 1 : buf;
        if ((t = vw_fuzz_target_find(dir)) != NULL) {
            return t;
        }
    }
    return NULL;
}

/* build_info_string reads the JSON string value that follows |key| in the meson-info file
 * |file| of the meson build |dir| into |out|; false when it cannot be read or does not fit. */
static bool build_info_string(const char *dir, const char *file, const char *key, char *out,
                              size_t out_len) {
    char path[PATH_MAX];
    uint8_t *json;
    size_t len;
    bool ok = false;

    if (snprintf(path, sizeof(path), "%s/meson-info/%s", dir, file) >= (int)sizeof(path) ||
        read_input(path, &json, &len) != 0) {
        return false;
    }
    json[len < VW_REPRO_OPTS_MAX ? len : VW_REPRO_OPTS_MAX] = '\0';
    const char *p = strstr((const char *)json, key);
    if (p != NULL) {
        p += strlen(key);
        size_t n = strcspn(p, "\"");
        if (n < out_len) {
            memcpy(out, p, n);
            out[n] = '\0';
            ok = true;
        }
    }
    free(json);
    return ok;
}

/* build_fuzzing reads the 'fuzzing' option of the meson build |dir| into |out| ("libfuzzer",
 * "none", "afl"); false when it cannot be read. */
static bool build_fuzzing(const char *dir, char *out, size_t out_len) {
    return build_info_string(dir, "intro-buildoptions.json",
                             "\"name\": \"fuzzing\", \"value\": \"", out, out_len);
}

/* build_source reads the source directory of the meson build |dir| into |out|. */
static bool build_source(const char *dir, char *out, size_t out_len) {
    return build_info_string(dir, "meson-info.json", "\"source\": \"", out, out_len);
}

/* try_build accepts |dir| when it is a libFuzzer build holding fuzzers/fuzz_<target>. */
static bool try_build(struct repro *r, const char *dir, const char *why) {
    char kind[32];

    if (dir == NULL || dir[0] == '\0' ||
        snprintf(r->exe, sizeof(r->exe), "%s/fuzzers/fuzz_%s", dir, r->t->name) >=
            (int)sizeof(r->exe) || access(r->exe, X_OK) != 0) {
        return false;
    }
    if (!build_fuzzing(dir, kind, sizeof(kind)) || strcmp(kind, "libfuzzer") != 0) {
        fprintf(stderr, "virtwire reproduce: %s %s is not a libFuzzer build (fuzzing=%s)\n",
                why, dir, build_fuzzing(dir, kind, sizeof(kind)) ? kind : "?");
        return false;
    }
    r->build = dir;
    return true;
}

/* find_build sets r->exe: --build, else this virtwire's own build, else $VW_FUZZ_BUILD. */
static bool find_build(struct repro *r) {
    static char self_build[PATH_MAX];
    char self[PATH_MAX];
    ssize_t n;

    if (r->build != NULL) {
        return try_build(r, r->build, "--build");
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *s = strrchr(self, '/');
        if (s != NULL) {
            *s = '\0';
            s = strrchr(self, '/');
            if (s != NULL) {
                *s = '\0';
                snprintf(self_build, sizeof(self_build), "%s", self);
                char kind[32];
                if (build_fuzzing(self_build, kind, sizeof(kind)) &&
                    strcmp(kind, "libfuzzer") == 0 &&
                    try_build(r, self_build, "this virtwire's build")) {
                    return true;
                }
            }
        }
    }
    return try_build(r, getenv("VW_FUZZ_BUILD"), "$VW_FUZZ_BUILD");
}

/* ---- the dump ---- */

static void hex_dump(const uint8_t *p, size_t len, size_t base) {
    size_t show = len < VW_REPRO_HEX_MAX ? len : VW_REPRO_HEX_MAX;

    for (size_t off = 0; off < show; off += 16) {
        printf("  %06zx ", base + off);
        for (size_t i = 0; i < 16; i++) {
            if (off + i < show) {
                printf(" %02x", p[off + i]);
            } else {
                fputs("   ", stdout);
            }
        }
        fputs("  |", stdout);
        for (size_t i = 0; i < 16 && off + i < show; i++) {
            uint8_t c = p[off + i];
            putchar(c >= 0x20 && c < 0x7f ? c : '.');
        }
        fputs("|\n", stdout);
    }
    if (show < len) {
        printf("  ... %zu more bytes\n", len - show);
    }
}

static void print_fields(const struct vw_fuzz_target *t, const uint8_t *in, size_t len) {
    for (unsigned i = 0; i < VW_FT_FIELDS_MAX && t->fields[i].name != NULL; i++) {
        const struct vw_ft_field *f = &t->fields[i];
        uint32_t v;
        if (vw_fuzz_target_field(f, in, len, &v)) {
            printf("  %s (byte %u, %u byte%s%s): %u (0x%0*x)\n", f->name, f->off, f->len,
                   f->len > 1 ? "s" : "", f->len > 1 && f->little_endian ? " LE" : "", v,
                   2 * f->len, v);
        } else {
            printf("  %s (byte %u): missing, the input is shorter\n", f->name, f->off);
        }
    }
}

static vw_stream_decoder decoder_of(const char *protocol) {
    static const struct {
        const char *name;
        vw_stream_decoder decode;
    } table[] = {
        { "onc-rpc", vw_decode_oncrpc },   { "openhook", vw_decode_openhook },
        { "openhook-xdr", vw_decode_openhook_xdr }, { "qemud", vw_decode_qemud },
        { "qga", vw_decode_qga },          { "virnet", vw_decode_virnet },
        { "virtagent", vw_decode_virtagent },
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].name, protocol) == 0) {
            return table[i].decode;
        }
    }
    return NULL;
}

/* parse_error takes the first error line the decoder wrote: its VW_E_ code, and the stream
 * offset named after the code (else before it on that line). */
static void parse_error(const char *text, struct decode_result *res) {
    const char *code = strstr(text, "VW_E_");
    const char *eol, *at;

    if (code == NULL) {
        return;
    }
    size_t n = strspn(code, "VW_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    if (n >= sizeof(res->code)) {
        return;
    }
    memcpy(res->code, code, n);
    res->code[n] = '\0';
    eol = strchr(code, '\n');
    at = strstr(code, "stream offset ");
    if (at == NULL || (eol != NULL && at > eol)) {
        /* no offset after the code: the last one before it on the same line */
        const char *bol = code;
        while (bol > text && bol[-1] != '\n') {
            bol--;
        }
        at = NULL;
        for (const char *p = bol; (p = strstr(p, "stream offset ")) != NULL && p < code; p++) {
            at = p;
        }
    }
    if (at != NULL) {
        res->offset = strtol(at + strlen("stream offset "), NULL, 10);
    }
}

/* The decoder's error stream goes both to stdout, in order with the dump, and into a
 * memstream for parse_error: a write-through cookie stream over the two. */
struct tee {
    FILE *copy;
};

static ssize_t tee_write(void *cookie, const char *buf, size_t len) {
    struct tee *t = cookie;

    fwrite(buf, 1, len, stdout);
    fwrite(buf, 1, len, t->copy);
    return (ssize_t)len;
}

/* decode_message runs the protocol's stream decoder in-process with -v on |msg| (behind a
 * record mark when |rm|), from a memfd; the dump and the error lines go to stdout, and the
 * first error into |res|.  Returns 0 or VW_E_NOMEM / VW_E_INVALID (memfd failed). */
static int decode_message(const uint8_t *msg, size_t len, bool rm, struct decode_result *res) {
    vw_stream_decoder dec = decoder_of(res->protocol);
    char *err_text = NULL;
    size_t err_len = 0;
    int fd, rc;

    if (dec == NULL) {
        return VW_E_INVALID;
    }
    fd = memfd_create("vw-reproduce", MFD_CLOEXEC);
    if (fd < 0) {
        return VW_E_INVALID;
    }
    if (rm) {
        /* RFC 5531 §11: last-fragment bit and a 31-bit length (inputs are far below 2^31) */
        uint8_t mark[4] = { (uint8_t)(0x80u | (len >> 24)), (uint8_t)(len >> 16),
                            (uint8_t)(len >> 8), (uint8_t)len };
        if (write(fd, mark, 4) != 4) {
            close(fd);
            return VW_E_INVALID;
        }
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, msg + off, len - off);
        if (n <= 0) {
            close(fd);
            return VW_E_INVALID;
        }
        off += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        return VW_E_INVALID;
    }
    struct tee tee = { .copy = open_memstream(&err_text, &err_len) };
    FILE *err = tee.copy != NULL ? fopencookie(&tee, "w", (cookie_io_functions_t){
                                                   .write = tee_write }) : NULL;
    if (err == NULL) {
        if (tee.copy != NULL) {
            fclose(tee.copy);
            free(err_text);
        }
        close(fd);
        return VW_E_NOMEM;
    }
    setvbuf(err, NULL, _IONBF, 0);
    struct vw_decode_opts opts = { .verbose = true, .from = res->from, .out = stdout,
                                   .err = err };
    fflush(stdout);
    rc = dec(fd, &opts);
    close(fd);
    fclose(err);
    fclose(tee.copy);
    if (err_text != NULL && err_len > 0) {
        parse_error(err_text, res);
    }
    free(err_text);
    res->exit = rc < 0 ? 2 : rc > 0 ? 1 : 0;
    return 0;
}

/* show_input prints the input as its target reads it and fills |res|. */
static void show_input(const struct vw_fuzz_target *t, const uint8_t *in, size_t len,
                       struct decode_result *res) {
    static const char *const froms[] = { "", " --from client", " --from server" };
    const uint8_t *msg;
    size_t msg_len;
    bool rm;

    *res = (struct decode_result){ .exit = 0, .code = "-", .offset = -1 };
    printf("layout: %s\n", t->layout);
    if (t->fields[0].name != NULL) {
        print_fields(t, in, len);
    }
    if (t->protocol == NULL) {
        printf("--- hex dump (no `virtwire decode` protocol reads this input) ---\n");
        hex_dump(in, len, 0);
        return;
    }
    if (vw_fuzz_target_message(t, in, len, &res->protocol, &res->from, &msg, &msg_len,
                               &rm) != 0) {
        res->kind = 2;
        printf("--- the input is shorter than its %u control bytes: the target returns at "
               "once ---\n", t->skip);
        hex_dump(in, len, 0);
        return;
    }
    res->kind = 1;
    printf("--- message: virtwire decode --protocol %s%s -v (bytes %u..%zu%s) ---\n",
           res->protocol, froms[res->from], t->skip, len,
           rm ? ", behind a record mark" : "");
    if (decode_message(msg, msg_len, rm, res) != 0) {
        printf("(the decoder could not be run; hex dump instead)\n");
        hex_dump(msg, msg_len, t->skip);
        res->exit = 2;
    }
    fflush(stdout);
}

static void print_result_line(const struct decode_result *res) {
    static const char *const froms[] = { "any", "client", "server" };

    if (res->kind == 0) {
        printf("decode-result: none (hex dump only)\n");
    } else if (res->kind == 2) {
        printf("decode-result: short (shorter than the control bytes)\n");
    } else {
        printf("decode-result: protocol=%s from=%s exit=%d code=%s offset=%ld\n", res->protocol,
               froms[res->from], res->exit, res->code, res->offset);
    }
}

/* ---- running the target ---- */

/* run_target runs r->exe once on |path| and prints its output, signature and verdict.
 * Returns 1 crash, 0 no crash, -1 could not run; |sig| gets the signature ("" if none). */
static int run_target(const struct repro *r, const char *path, bool verbose, char *sig,
                      size_t sig_len) {
    char *out = NULL;
    int ws = 0;
    bool crashed;

    sig[0] = '\0';
    if (vw_fuzz_run_input(r->exe, path, VW_REPRO_RUN_S, &out, &ws) != 0) {
        fprintf(stderr, "virtwire reproduce: cannot run %s on %s\n", r->exe, path);
        return -1;
    }
    crashed = !(WIFEXITED(ws) && WEXITSTATUS(ws) == 0);
    if (vw_fuzz_crash_signature(out, sig, sig_len) != 0) {
        if (crashed) {
            snprintf(sig, sig_len, "%s %d", WIFSIGNALED(ws) ? "signal" : "exit",
                     WIFSIGNALED(ws) ? WTERMSIG(ws) : WEXITSTATUS(ws));
        } else {
            sig[0] = '\0';
        }
    } else {
        crashed = true;     /* a sanitizer report is a crash, whatever the exit status */
    }
    if (verbose) {
        printf("--- run: %s -runs=1 %s ---\n%s", r->exe, path, out);
        if (out[0] != '\0' && out[strlen(out) - 1] != '\n') {
            putchar('\n');
        }
        if (WIFSIGNALED(ws)) {
            printf("killed by signal %d\n", WTERMSIG(ws));
        } else {
            printf("exit status %d\n", WEXITSTATUS(ws));
        }
        printf("signature: %s\n", sig[0] != '\0' ? sig : "(none)");
        if (crashed) {
            printf("verdict: CRASH (%s)\n", sig);
        } else {
            printf("verdict: NO CRASH\n");
        }
    }
    free(out);
    return crashed ? 1 : 0;
}

static int64_t now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* run_minimizer runs libFuzzer's crash minimiser on |in| writing |out|, its output in |log|,
 * in its own process group, killed after its time budget plus a grace.  Returns 0 or
 * VW_E_INVALID (could not start). */
static int run_minimizer(const char *exe, const char *in, const char *out, const char *log) {
    char runs[32], total[32], artifact[PATH_MAX + 32];
    int64_t deadline;
    int ws;
    pid_t pid;

    snprintf(runs, sizeof(runs), "-runs=%u", VW_REPRO_MIN_RUNS);
    snprintf(total, sizeof(total), "-max_total_time=%u", VW_REPRO_MIN_S);
    snprintf(artifact, sizeof(artifact), "-exact_artifact_path=%s", out);
    pid = fork();
    if (pid < 0) {
        return VW_E_INVALID;
    }
    if (pid == 0) {
        int lf = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
        setpgid(0, 0);
        if (lf < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(lf, 1) < 0 || dup2(lf, 2) < 0) {
            _exit(127);
        }
        execl(exe, exe, "-minimize_crash=1", runs, total, "-timeout=10", artifact, in,
              (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid);
    deadline = now_ms() + (int64_t)(VW_REPRO_MIN_S + VW_REPRO_KILL_GRACE_S) * 1000;
    for (;;) {
        pid_t w = waitpid(pid, &ws, WNOHANG);
        if (w == pid || (w < 0 && errno != EINTR)) {
            break;
        }
        if (now_ms() >= deadline) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        struct timespec ts = { 0, 50 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    kill(-pid, SIGKILL);    /* anything the minimiser started and left behind */
    return 0;
}

/* minimize writes the minimised input to |out| and returns 1 when it kept the signature,
 * 0 when it could not minimise (|out| removed), -1 on an error. */
static int minimize(const struct repro *r, const char *sig, const char *out, size_t in_len) {
    char log[PATH_MAX], tmp[PATH_MAX], msig[VW_FUZZ_SIG_MAX];
    uint8_t *mbuf;
    size_t mlen;
    int rc = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", out) >= (int)sizeof(tmp) ||
        snprintf(log, sizeof(log), "%s.log", out) >= (int)sizeof(log)) {
        return -1;
    }
    unlink(tmp);
    printf("--- minimize: %s -minimize_crash=1 -runs=%u -max_total_time=%u "
           "-exact_artifact_path=%s %s ---\n", r->exe, VW_REPRO_MIN_RUNS, VW_REPRO_MIN_S, tmp,
           r->file);
    fflush(stdout);
    if (run_minimizer(r->exe, r->file, tmp, log) != 0) {
        return -1;
    }
    unlink(log);
    if (read_input(tmp, &mbuf, &mlen) != 0) {
        printf("minimize: libFuzzer wrote no smaller input\n");
        return 0;
    }
    free(mbuf);
    if (run_target(r, tmp, false, msig, sizeof(msig)) != 1 || strcmp(msig, sig) != 0) {
        printf("minimize: the smaller input (%zu bytes) has another signature (%s); not kept\n",
               mlen, msig[0] != '\0' ? msig : "no crash");
        unlink(tmp);
        return 0;
    }
    if (rename(tmp, out) != 0) {
        fprintf(stderr, "virtwire reproduce: %s: %s\n", out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    printf("minimized: %zu -> %zu bytes, same signature (%s): %s\n", in_len, mlen, msig, out);
    rc = 1;
    return rc;
}

/* ---- --regress ---- */

static int mkdirs(const char *path) {
    char buf[PATH_MAX];
    size_t n = strlen(path);

    if (n >= sizeof(buf)) {
        return VW_E_TOO_LONG;
    }
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
                return VW_E_INVALID;
            }
            *p = '/';
        }
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
        return VW_E_INVALID;
    }
    return 0;
}

static int write_file(const char *path, const void *p, size_t len) {
    char tmp[PATH_MAX];
    int fd;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
        return VW_E_TOO_LONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return VW_E_INVALID;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, (const uint8_t *)p + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            close(fd);
            unlink(tmp);
            return VW_E_INVALID;
        }
        off += (size_t)n;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return VW_E_INVALID;
    }
    return 0;
}

/* find_root picks the tree to file into: --root, else the tree FILE lies in (the part before
 * /corpus/), else the source tree of the build. */
static bool find_root(const struct repro *r, char *out, size_t out_len) {
    char abs[PATH_MAX];
    const char *c;

    if (r->root != NULL) {
        return snprintf(out, out_len, "%s", r->root) < (int)out_len;
    }
    if (realpath(r->file, abs) != NULL && (c = strstr(abs, "/corpus/fuzz/")) != NULL) {
        return snprintf(out, out_len, "%.*s", (int)(c - abs), abs) < (int)out_len;
    }
    return r->build != NULL && build_source(r->build, out, out_len);
}

static bool name_ok(const char *name) {
    size_t n = strlen(name);

    if (n == 0 || n > VW_REPRO_NAME_MAX) {
        return false;
    }
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* file_regression copies |in| into ROOT/corpus/fuzz/T/ and writes its test vector. */
static int file_regression(const struct repro *r, const uint8_t *in, size_t len,
                           const struct decode_result *res, bool crashes) {
    char root[PATH_MAX], dir[PATH_MAX], input[PATH_MAX], rel[PATH_MAX], vdir[PATH_MAX];
    char vec[PATH_MAX], sha[65], text[2048];
    int n;

    if (!find_root(r, root, sizeof(root))) {
        fprintf(stderr, "virtwire reproduce: --regress needs --root DIR (the source tree)\n");
        return 2;
    }
    sha256_hex(in, len, sha);
    n = snprintf(rel, sizeof(rel), "corpus/fuzz/%s/regress-%.8s%s%s", r->t->name, sha,
                 r->name != NULL ? "-" : "", r->name != NULL ? r->name : "");
    if (n >= (int)sizeof(rel) ||
        snprintf(dir, sizeof(dir), "%s/corpus/fuzz/%s", root, r->t->name) >= (int)sizeof(dir) ||
        snprintf(input, sizeof(input), "%s/%s", root, rel) >= (int)sizeof(input) ||
        snprintf(vdir, sizeof(vdir), "%s/corpus/regress/%s", root, r->t->name) >=
            (int)sizeof(vdir) ||
        snprintf(vec, sizeof(vec), "%s/%.8s.expect", vdir, sha) >= (int)sizeof(vec)) {
        fprintf(stderr, "virtwire reproduce: path too long under %s\n", root);
        return 2;
    }
    n = snprintf(text, sizeof(text),
                 "# A regression input filed by `virtwire reproduce --regress`; meson test\n"
                 "# `regress-vectors` (tests/test_regress_vectors.py) checks that the input\n"
                 "# is in the corpus with this sha256, that fuzz_%s runs it without a crash,\n"
                 "# and that `virtwire reproduce --no-run` still gives this decode result.\n"
                 "target: %s\ninput: %s\nsha256: %s\ncrash: no\n",
                 r->t->name, r->t->name, rel, sha);
    if (res->kind == 1) {
        static const char *const froms[] = { "any", "client", "server" };
        n += snprintf(text + n, sizeof(text) - (size_t)n,
                      "decode: %s\nfrom: %s\nexit: %d\ncode: %s\noffset: %ld\n", res->protocol,
                      froms[res->from], res->exit, res->code, res->offset);
    } else {
        n += snprintf(text + n, sizeof(text) - (size_t)n, "decode: %s\n",
                      res->kind == 0 ? "none" : "short");
    }
    if (mkdirs(dir) != 0 || mkdirs(vdir) != 0 || write_file(input, in, len) != 0 ||
        write_file(vec, text, (size_t)n) != 0) {
        fprintf(stderr, "virtwire reproduce: cannot write %s or %s: %s\n", input, vec,
                strerror(errno));
        return 2;
    }
    printf("regress: wrote %s\nregress: wrote %s\n", input, vec);
    printf("regress: `meson test` replays it in corpus-%s once meson is reconfigured (corpus "
           "files are listed at configure time); regress-vectors checks it from now on\n",
           r->t->name);
    if (crashes) {
        printf("regress: filed with --force: the input still crashes, so corpus-%s and "
               "regress-vectors fail until the bug is fixed\n", r->t->name);
    }
    return 0;
}

/* ---- the command ---- */

static int parse_args(struct repro *r, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (strcmp(a, "--target") == 0) {
            val = &r->target_name;
        } else if (strcmp(a, "--build") == 0) {
            val = &r->build;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            val = &r->min_out;
        } else if (strcmp(a, "--root") == 0) {
            val = &r->root;
        } else if (strcmp(a, "--name") == 0) {
            val = &r->name;
        } else if (strcmp(a, "--minimize") == 0) {
            r->minimize = true;
        } else if (strcmp(a, "--regress") == 0) {
            r->regress = true;
        } else if (strcmp(a, "--force") == 0) {
            r->force = true;
        } else if (strcmp(a, "--no-run") == 0) {
            r->no_run = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            reproduce_usage(stdout);
            return 0;
        } else if (a[0] != '-' && r->file == NULL) {
            r->file = a;
        } else {
            fprintf(stderr, "virtwire reproduce: unexpected argument '%s'\n", a);
            reproduce_usage(stderr);
            return 2;
        }
        if (val != NULL) {
            if (i + 1 >= argc) {
                fprintf(stderr, "virtwire reproduce: %s needs a value\n", a);
                return 2;
            }
            *val = argv[++i];
        }
    }
    if (r->file == NULL) {
        reproduce_usage(stderr);
        return 2;
    }
    if (r->name != NULL && !name_ok(r->name)) {
        fprintf(stderr, "virtwire reproduce: --name takes up to %u of [A-Za-z0-9_-]\n",
                VW_REPRO_NAME_MAX);
        return 2;
    }
    if (r->no_run && (r->minimize || r->regress)) {
        fprintf(stderr, "virtwire reproduce: --no-run does not go with --minimize/--regress\n");
        return 2;
    }
    return -1;
}

static int resolve_target(struct repro *r) {
    if (r->target_name != NULL) {
        r->t = vw_fuzz_target_find(r->target_name);
        if (r->t == NULL) {
            fprintf(stderr, "virtwire reproduce: unknown target '%s'\n", r->target_name);
            reproduce_usage(stderr);
            return 2;
        }
        return 0;
    }
    r->t = target_of_path(r->file);
    if (r->t == NULL) {
        fprintf(stderr,
                "virtwire reproduce: cannot tell the target of %s: give --target T, or use a "
                "path corpus/fuzz/T/FILE, a crash file T-<hash>.input or WORK/T/crashes/FILE\n",
                r->file);
        return 2;
    }
    return 0;
}

int vw_cmd_reproduce(int argc, char **argv) {
    struct repro r = { 0 };
    struct decode_result res;
    char sha[65], sig[VW_FUZZ_SIG_MAX], min_path[PATH_MAX];
    uint8_t *in = NULL;
    size_t len = 0;
    int rc, crash;

    if ((rc = parse_args(&r, argc, argv)) >= 0) {
        return rc;
    }
    if ((rc = resolve_target(&r)) != 0) {
        return rc;
    }
    if ((rc = read_input(r.file, &in, &len)) != 0) {
        fprintf(stderr, "virtwire reproduce: %s: %s\n", r.file,
                rc == VW_E_INVALID ? strerror(errno) : vw_err_text(rc));
        return 2;
    }
    if (!r.no_run && !find_build(&r)) {
        fprintf(stderr,
                "virtwire reproduce: no libFuzzer build with fuzzers/fuzz_%s: give --build DIR "
                "or set VW_FUZZ_BUILD.  `ci/fuzz` builds one, or:\n"
                "  CC=clang meson setup BUILD -Dfuzzing=libfuzzer "
                "-Db_sanitize=address,undefined -Db_lundef=false && ninja -C BUILD\n",
                r.t->name);
        free(in);
        return 2;
    }
    sha256_hex(in, len, sha);
    printf("target: %s\ninput: %s\nsize: %zu bytes\nsha256: %.16s\n", r.t->name, r.file, len,
           sha);
    if (!r.no_run) {
        printf("build: %s\n", r.build);
    }
    show_input(r.t, in, len, &res);
    print_result_line(&res);
    if (r.no_run) {
        free(in);
        return 0;
    }
    fflush(stdout);
    crash = run_target(&r, r.file, true, sig, sizeof(sig));
    if (crash < 0) {
        free(in);
        return 2;
    }
    rc = crash;
    if (r.minimize) {
        if (crash == 0) {
            printf("minimize: cannot minimise: the input does not crash\n");
        } else {
            int m;
            if (snprintf(min_path, sizeof(min_path), "%s%s", r.min_out != NULL ? r.min_out :
                         r.file, r.min_out != NULL ? "" : ".min") >= (int)sizeof(min_path)) {
                free(in);
                return 2;
            }
            m = minimize(&r, sig, min_path, len);
            if (m < 0) {
                free(in);
                return 2;
            }
            if (m == 1) {
                /* --regress files the minimised input */
                uint8_t *mbuf;
                size_t mlen;
                if (read_input(min_path, &mbuf, &mlen) == 0) {
                    free(in);
                    in = mbuf;
                    len = mlen;
                    sha256_hex(in, len, sha);
                    printf("minimized input: %zu bytes, sha256 %.16s\n", len, sha);
                    show_input(r.t, in, len, &res);
                    print_result_line(&res);
                }
            }
        }
    }
    if (r.regress) {
        if (crash == 1 && !r.force) {
            printf("regress: refused: the input still crashes (%s); a regression input must "
                   "pass (fix the bug first, or --force)\n", sig);
            free(in);
            return 1;
        }
        int fr = file_regression(&r, in, len, &res, crash == 1);
        if (fr != 0) {
            free(in);
            return fr;
        }
    }
    free(in);
    fflush(stdout);
    return rc;
}
