/* report_junit.c -- the JUnit XML report of a replay run (report.h).  XML 1.0 §2.4 (`<` and
 * `&` escaped in text), §3.3.3 (quotes in attributes); control characters that XML 1.0 does
 * not allow (§2.2 Char) are written as '?'. */
#include <string.h>

#include "report.h"

static void xml_text(FILE *f, const char *s) {
    bool utf8 = s == NULL || vw_report_utf8_ok(s);

    for (const unsigned char *p = (const unsigned char *)(s != NULL ? s : ""); *p != '\0'; p++) {
        switch (*p) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default: {
            bool ctl = (*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f;
            fputc(ctl || (*p >= 0x80 && !utf8) ? '?' : *p, f);
        }
        }
    }
}

/* system_out_extras writes the observations (bytes C-escaped, at most VW_REPORT_OBS_TEXT_MAX
 * characters) and syncs of a case as lines of text, the first after |sep|. */
static void system_out_extras(FILE *f, const struct vw_replay_result *r, const char *sep) {
    static char text[VW_REPORT_OBS_TEXT_MAX + 1];

    for (size_t i = 0; i < r->num_obs; i++) {
        const struct vw_replay_obs *o = &r->obs[i];

        vw_replay_escape(o->data, o->data_len, text, sizeof(text));
        fprintf(f, "%sobserved at line %u: %zu bytes: ", sep, o->line, o->bytes);
        xml_text(f, text);
        sep = "\n";
    }
    for (size_t i = 0; i < r->num_syncs; i++) {
        const struct vw_replay_sync *y = &r->syncs[i];

        fprintf(f, "%s%s sync at line %u: %llu us, %llu bytes dropped, %u sent", sep,
                y->implicit ? "implicit" : "explicit", y->line, y->us, y->dropped, y->sends);
        sep = "\n";
    }
}

/* write_case writes one <testcase>. */
static void write_case(FILE *f, const struct vw_report_case *c) {
    const struct vw_replay_result *r = c->res;
    static const char *const tags[VW_VERDICT_COUNT] = {
        [VW_VERDICT_FAIL] = "failure", [VW_VERDICT_ERROR] = "error",
        [VW_VERDICT_SKIP] = "skipped",
    };
    const char *tag = r->verdict >= 0 && r->verdict < VW_VERDICT_COUNT ? tags[r->verdict] : NULL;

    fputs("    <testcase classname=\"", f);
    xml_text(f, c->protocol);
    fputs("\" name=\"", f);
    xml_text(f, c->id);
    fputs("\" file=\"", f);
    xml_text(f, c->file);
    fprintf(f, "\" time=\"%u.%03u\"", r->duration_ms / 1000, r->duration_ms % 1000);
    if (tag == NULL && r->reason[0] == '\0' && r->num_obs == 0 && r->num_syncs == 0) {
        fputs("/>\n", f);
        return;
    }
    fputs(">\n", f);
    if (tag != NULL) {
        fprintf(f, "      <%s message=\"", tag);
        xml_text(f, r->reason);
        fputs("\">", f);
        xml_text(f, r->diff);
        fprintf(f, "</%s>\n", tag);
    }
    if (tag == NULL && r->reason[0] != '\0') {
        fprintf(f, "      <system-out>%s: ", vw_verdict_name(r->verdict));
        xml_text(f, r->reason);
        system_out_extras(f, r, "\n");
        fputs("</system-out>\n", f);
    } else if (r->num_obs > 0 || r->num_syncs > 0) {
        fputs("      <system-out>", f);
        system_out_extras(f, r, "");
        fputs("</system-out>\n", f);
    }
    fputs("    </testcase>\n", f);
}

int vw_report_junit(FILE *f, const struct vw_report_case *cases, size_t num_cases) {
    unsigned all[VW_VERDICT_COUNT];

    vw_report_totals(cases, num_cases, all);
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"virtwire replay\" "
            "tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", num_cases,
            all[VW_VERDICT_FAIL], all[VW_VERDICT_ERROR], all[VW_VERDICT_SKIP]);
    for (size_t i = 0; i < num_cases; i++) {
        bool first = true;
        unsigned t[VW_VERDICT_COUNT] = { 0 };
        size_t n = 0;

        /* one suite per protocol, in order of first appearance */
        for (size_t j = 0; j < i && first; j++) {
            first = strcmp(cases[j].protocol, cases[i].protocol) != 0;
        }
        if (!first) {
            continue;
        }
        for (size_t j = i; j < num_cases; j++) {
            if (strcmp(cases[j].protocol, cases[i].protocol) == 0) {
                t[cases[j].res->verdict]++;
                n++;
            }
        }
        fputs("  <testsuite name=\"", f);
        xml_text(f, cases[i].protocol[0] != '\0' ? cases[i].protocol : "unparsed");
        fprintf(f, "\" tests=\"%zu\" failures=\"%u\" errors=\"%u\" skipped=\"%u\">\n", n,
                t[VW_VERDICT_FAIL], t[VW_VERDICT_ERROR], t[VW_VERDICT_SKIP]);
        for (size_t j = i; j < num_cases; j++) {
            if (strcmp(cases[j].protocol, cases[i].protocol) == 0) {
                write_case(f, &cases[j]);
            }
        }
        fputs("  </testsuite>\n", f);
    }
    fputs("</testsuites>\n", f);
    return ferror(f) ? -1 : 0;
}
