/* t_transcript.c -- unit tests of the transcript parser (conformance/transcript.h) and the
 * matcher (conformance/match.h).
 *
 * Arguments: transcript vectors (corpus/vectors/transcript/, *.txn).  Each starts with a comment
 *   # expect: ok N                   parses, with N steps
 *   # expect: VW_E_CODE LINE TEXT    fails with that code, "FILE:LINE: ..." containing TEXT
 * and is loaded with vw_txn_load (so `case:` must be the file name), then parsed again from
 * every prefix (no crash, no leak under ASan).  Built-in checks cover what files cannot: the
 * 1 MiB limit, value canonicalization, captures, diffs and substitution.
 * Exit status: 0 all passed, 1 not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "transcript.h"

static int failures, cases;
static const char *current = "";

#define EXPECT(cond)                                                                   \
    do {                                                                               \
        cases++;                                                                       \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "t_transcript: %s:%d: %s: failed: %s\n", __FILE__, __LINE__, \
                    current, #cond);                                                   \
            failures++;                                                                \
        }                                                                              \
    } while (0)

static char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = malloc(VW_TXN_FILE_MAX + 1);

    *len = 0;
    if (f == NULL || buf == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        free(buf);
        return NULL;
    }
    *len = fread(buf, 1, VW_TXN_FILE_MAX, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static void run_vector(const char *path) {
    char err[512], want_code[64] = "", want_text[256] = "", prefix[600];
    unsigned want_line = 0, want_steps = 0;
    struct vw_txn t;
    size_t len;
    char *text = slurp(path, &len);
    int r;

    current = path;
    EXPECT(text != NULL);
    if (text == NULL) {
        return;
    }
    if (sscanf(text, "# expect: ok %u", &want_steps) == 1) {
        strcpy(want_code, "ok");
    } else if (sscanf(text, "# expect: %63s %u %255[^\n]", want_code, &want_line, want_text) != 3) {
        fprintf(stderr, "t_transcript: %s: no '# expect:' line\n", path);
        failures++;
        free(text);
        return;
    }
    r = vw_txn_load(&t, path, err, sizeof(err));
    if (strcmp(want_code, "ok") == 0) {
        EXPECT(r == 0);
        if (r != 0) {
            fprintf(stderr, "  %s\n", err);
        } else {
            EXPECT(t.num_steps == want_steps);
            EXPECT(t.timeout_ms > 0);
            for (size_t i = 0; i < t.num_steps; i++) {
                EXPECT(t.steps[i].timeout_ms > 0 && t.steps[i].line > 0);
            }
            vw_txn_cleanup(&t);
            EXPECT(t.steps == NULL && t.protocol == NULL);
        }
    } else {
        EXPECT(r == vw_err_from_name(want_code));
        snprintf(prefix, sizeof(prefix), "%s:%u: ", path, want_line);
        EXPECT(strncmp(err, prefix, strlen(prefix)) == 0);
        EXPECT(strstr(err, want_text) != NULL);
        if (r == 0) {
            vw_txn_cleanup(&t);
        } else if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, want_text) == NULL) {
            fprintf(stderr, "  got: %s\n  want: %s... %s\n", err, prefix, want_text);
        }
    }
    /* every prefix parses or fails cleanly, and a failure leaves the output untouched */
    for (size_t n = 0; n <= len; n++) {
        memset(&t, 0xa5, sizeof(t));
        r = vw_txn_parse(&t, path, text, n, err, sizeof(err));
        if (r == 0) {
            vw_txn_cleanup(&t);
        } else {
            EXPECT(((unsigned char *)&t)[0] == 0xa5 && err[0] != '\0');
        }
    }
    free(text);
}

static void test_limits(void) {
    char err[256];
    struct vw_txn t;
    size_t big = VW_TXN_FILE_MAX + 1;
    char *text = malloc(big);

    current = "limits";
    EXPECT(text != NULL);
    if (text == NULL) {
        return;
    }
    memset(text, '#', big);
    EXPECT(vw_txn_parse(&t, "big", text, big, err, sizeof(err)) == VW_E_TOO_LONG);
    EXPECT(strstr(err, "big:0: transcript over") == err);
    free(text);
    EXPECT(vw_txn_load(&t, "/nonexistent/x.txn", err, sizeof(err)) == VW_E_INVALID);
    EXPECT(vw_txn_parse(&t, "nul", "protocol: r\0w\n", 14, err, sizeof(err)) == VW_E_SYNTAX);
    /* the default timeout applies to steps without an option */
    const char *ok = "protocol: raw\ntransport: any\ncase: x\n\nexpect\nexpect timeout=7\n";
    EXPECT(vw_txn_parse(&t, "x", ok, strlen(ok), err, sizeof(err)) == 0);
    EXPECT(t.num_steps == 2 && t.steps[0].timeout_ms == VW_TXN_TIMEOUT_DEFAULT_MS);
    EXPECT(t.steps[1].timeout_ms == 7 && t.steps[1].line == 6);
    vw_txn_cleanup(&t);
}

static void test_values(void) {
    static const struct {
        const char *in, *canon;
    } v[] = {
        { "0x10", "16" }, { "-0", "0" }, { "-9223372036854775808", "-9223372036854775808" },
        { "18446744073709551615", "18446744073709551615" }, { "\"a\\x41\\t\"", "\"aA\\t\"" },
        { "x\"00FF\"", "x\"00ff\"" }, { "true", "true" }, { "null", "null" }, { "{}", "{}" },
        { "RUNNING", "RUNNING" }, { "guest-sync", "guest-sync" }, { "\"\\xff\"", "\"\\xff\"" },
    };
    static const char *const bad[] = {
        "-9223372036854775809", "18446744073709551616", "0x", "1a", "\"abc", "\"a\"b",
        "x\"0\"", "x\"zz\"", "absent", "$x", "*", "\"\\q\"", "\"\\x4\"", "",
    };

    current = "values";
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct vw_cf_buf b = { 0 };
        EXPECT(vw_cf_value_canon(v[i].in, strlen(v[i].in), &b) == 0);
        EXPECT(b.len == strlen(v[i].canon) && memcmp(b.p, v[i].canon, b.len) == 0);
        vw_cf_buf_free(&b);
        EXPECT(vw_cf_value_equal(v[i].in, v[i].canon));
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct vw_cf_buf b = { 0 };
        EXPECT(vw_cf_value_canon(bad[i], strlen(bad[i]), &b) == VW_E_SYNTAX && b.len == 0);
        vw_cf_buf_free(&b);
    }
    EXPECT(!vw_cf_value_equal("16", "17"));
    EXPECT(!vw_cf_value_equal("\"16\"", "16"));
    EXPECT(vw_cf_is_capture("$a_1") && !vw_cf_is_capture("$") && !vw_cf_is_capture("$1"));
}

static void test_match(void) {
    struct vw_cf_msg m = { 0 };
    struct vw_cf_captures caps = { 0 };
    struct vw_cf_buf diff = { 0 }, out = { 0 };
    char err[128];
    const struct vw_txn_assign good[] = {
        { "serial", "$s", 1 }, { "type", "REPLY", 2 }, { "missing", "absent", 3 },
        { "name", "*", 4 }, { "count", "0x2", 5 },
    };
    const struct vw_txn_assign bad[] = {
        { "serial", "$s", 1 }, { "type", "CALL", 2 }, { "name", "absent", 3 },
        { "nothere", "*", 4 }, { "count", "$fresh", 5 }, { "gone", "$new", 6 },
    };

    current = "match";
    EXPECT(vw_cf_msg_add_field(&m, "serial", "7") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "type", "REPLY") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "name", "\"vm\"") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "count", "2") == 0);
    snprintf(m.summary, sizeof(m.summary), "REPLY serial=7");
    EXPECT(vw_cf_match(good, 5, &m, &caps, &diff) == 1);
    EXPECT(diff.len == 0);
    EXPECT(strcmp(vw_cf_captures_get(&caps, "s"), "7") == 0);
    /* a second match against the bound capture; a failed match binds nothing */
    vw_cf_msg_cleanup(&m);
    EXPECT(vw_cf_msg_add_field(&m, "serial", "8") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "type", "REPLY") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "name", "\"vm\"") == 0);
    EXPECT(vw_cf_msg_add_field(&m, "count", "2") == 0);
    snprintf(m.summary, sizeof(m.summary), "REPLY serial=8");
    EXPECT(vw_cf_match(bad, 6, &m, &caps, &diff) == 0);
    EXPECT(diff.p != NULL && strcmp((const char *)diff.p,
                                    "serial: expected $s = 7, got 8\n"
                                    "type: expected CALL, got REPLY\n"
                                    "name: expected absent, got \"vm\"\n"
                                    "nothere: expected a value (*), got absent\n"
                                    "gone: expected $new, got absent\n"
                                    "received: REPLY serial=8\n") == 0);
    EXPECT(vw_cf_captures_get(&caps, "fresh") == NULL && caps.num == 1);
    /* substitution */
    EXPECT(vw_cf_subst(&caps, "{\"id\":$s,\"x\":\"$\"}", 17, &out, err, sizeof(err)) == 0);
    EXPECT(out.len == 16 && memcmp(out.p, "{\"id\":7,\"x\":\"$\"}", 16) == 0);
    EXPECT(vw_cf_subst(&caps, "$nope", 5, &out, err, sizeof(err)) == VW_E_MEMBER);
    EXPECT(out.len == 16 && strstr(err, "$nope") != NULL);
    vw_cf_buf_free(&out);
    vw_cf_buf_free(&diff);
    vw_cf_captures_cleanup(&caps);
    vw_cf_msg_cleanup(&m);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        run_vector(argv[i]);
    }
    test_limits();
    test_values();
    test_match();
    printf("t_transcript: %d checks, %d failed (%d vectors)\n", cases, failures, argc - 1);
    return failures == 0 && argc > 1 ? 0 : 1;
}
