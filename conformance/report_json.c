/* report_json.c -- the JSON report of a replay run (report.h); RFC 8259 string escaping. */
#include <stdbool.h>
#include <stdio.h>

#include "report.h"

void vw_report_totals(const struct vw_report_case *cases, size_t num_cases,
                      unsigned totals[VW_VERDICT_COUNT]) {
    for (int v = 0; v < VW_VERDICT_COUNT; v++) {
        totals[v] = 0;
    }
    for (size_t i = 0; i < num_cases; i++) {
        int v = cases[i].res->verdict;
        if (v >= 0 && v < VW_VERDICT_COUNT) {
            totals[v]++;
        }
    }
}

bool vw_report_utf8_ok(const char *s) {
    const unsigned char *p = (const unsigned char *)s;

    while (*p != '\0') {
        unsigned c = *p, n, cp;

        if (c < 0x80) {
            p++;
            continue;
        }
        n = c >= 0xf0 && c <= 0xf4 ? 3 : c >= 0xe0 ? (c <= 0xef ? 2 : 0) : c >= 0xc2 ? 1 : 0;
        if (n == 0) {
            return false;
        }
        cp = c & (0x3fu >> n);
        for (unsigned i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false;       /* also stops at the NUL */
            }
            cp = cp << 6 | (p[i] & 0x3fu);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (n == 3 && (cp < 0x10000 || cp > 0x10ffff))) {
            return false;
        }
        p += n + 1;
    }
    return true;
}

/* json_string writes |s| as a JSON string (RFC 8259 §7): '"', '\\' and control characters
 * escaped; bytes >= 0x80 as they are (NULL: null). */
static void json_string(FILE *f, const char *s) {
    if (s == NULL) {
        fputs("null", f);
        return;
    }
    bool utf8 = vw_report_utf8_ok(s);

    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(f, "\\%c", *p);
        } else if (*p == '\n') {
            fputs("\\n", f);
        } else if (*p < 0x20 || *p == 0x7f || (*p >= 0x80 && !utf8)) {
            fprintf(f, "\\u%04x", *p);
        } else {
            fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* json_extras writes the case's "observations" (the bytes C-escaped, at most
 * VW_REPORT_OBS_TEXT_MAX characters) and "resyncs" (replay.h struct vw_replay_sync). */
static void json_extras(FILE *f, const struct vw_replay_result *r) {
    static char text[VW_REPORT_OBS_TEXT_MAX + 1];

    fputs(", \"observations\": [", f);
    for (size_t i = 0; i < r->num_obs; i++) {
        const struct vw_replay_obs *o = &r->obs[i];

        vw_replay_escape(o->data, o->data_len, text, sizeof(text));
        fprintf(f, "%s{\"line\": %u, \"bytes\": %zu, \"text\": ", i > 0 ? ", " : "", o->line,
                o->bytes);
        json_string(f, text);
        fputc('}', f);
    }
    fputs("], \"resyncs\": [", f);
    for (size_t i = 0; i < r->num_syncs; i++) {
        const struct vw_replay_sync *y = &r->syncs[i];

        fprintf(f, "%s{\"line\": %u, \"us\": %llu, \"dropped\": %llu, \"sends\": %u, "
                "\"implicit\": %s}", i > 0 ? ", " : "", y->line, y->us, y->dropped, y->sends,
                y->implicit ? "true" : "false");
    }
    fputc(']', f);
}

int vw_report_json(FILE *f, const struct vw_report_case *cases, size_t num_cases) {
    unsigned t[VW_VERDICT_COUNT];

    fputs("{\n  \"cases\": [", f);
    for (size_t i = 0; i < num_cases; i++) {
        const struct vw_replay_result *r = cases[i].res;

        fputs(i == 0 ? "\n    {\"id\": " : ",\n    {\"id\": ", f);
        json_string(f, cases[i].id);
        fputs(", \"file\": ", f);
        json_string(f, cases[i].file);
        fputs(", \"protocol\": ", f);
        json_string(f, cases[i].protocol);
        fputs(", \"verdict\": ", f);
        json_string(f, vw_verdict_name(r->verdict));
        fputs(", \"reason\": ", f);
        json_string(f, r->reason);
        fputs(", \"diff\": ", f);
        json_string(f, r->diff);
        fprintf(f, ", \"duration_ms\": %u, \"fds_received\": %u", r->duration_ms,
                r->fds_received);
        json_extras(f, r);
        fputc('}', f);
    }
    vw_report_totals(cases, num_cases, t);
    fprintf(f, "\n  ],\n  \"totals\": {\"cases\": %zu, \"pass\": %u, \"non_strict\": %u, "
            "\"fail\": %u, \"error\": %u, \"skip\": %u", num_cases, t[VW_VERDICT_PASS],
            t[VW_VERDICT_NONSTRICT], t[VW_VERDICT_FAIL], t[VW_VERDICT_ERROR],
            t[VW_VERDICT_SKIP]);
    if (t[VW_VERDICT_INFORMATIONAL] > 0) {
        fprintf(f, ", \"informational\": %u", t[VW_VERDICT_INFORMATIONAL]);
    }
    fputs("}\n}\n", f);
    return ferror(f) ? -1 : 0;
}
