/* fuzz_report.c -- the summary table of `virtwire fuzz` (issue 7 point 1: "one row per target:
 * target, exec/s, coverage features, corpus size, new inputs, crashes"), then the command
 * that reproduces every new crash. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_campaign.h"

/* print_indented prints |text| with every line indented by four spaces. */
static void print_indented(const char *text) {
    while (*text != '\0') {
        size_t n = strcspn(text, "\n");

        printf("    %.*s\n", (int)n, text);
        text += n;
        if (*text == '\n') {
            text++;
        }
    }
}

void vw_fuzz_print_table(const struct vw_fuzz_result *rows, size_t n) {
    unsigned total_new = 0, failed = 0;

    printf("%-26s %10s %9s %8s %11s %14s\n", "target", "exec/s", "features", "corpus",
           "new inputs", "crashes (new)");
    for (size_t i = 0; i < n; i++) {
        const struct vw_fuzz_result *r = &rows[i];
        char crashes[32];

        if (r->status < 0 && r->execs == 0) {
            printf("%-26s %s\n", r->target, r->why[0] != '\0' ? r->why : "not run");
            failed++;
            continue;
        }
        snprintf(crashes, sizeof(crashes), "%u (%u)", r->crashes, r->new_crashes);
        printf("%-26s %10.0f %9" PRIu64 " %8" PRIu64 " %11" PRIu64 " %14s%s%s\n", r->target,
               r->execs_per_s, r->features, r->corpus_size, r->new_inputs, crashes,
               r->status < 0 ? "  " : "", r->status < 0 ? r->why : "");
        failed += r->status < 0 ? 1u : 0u;
        total_new += r->new_crashes;
    }
    printf("%zu target(s), %u new crash(es), %u could not run\n", n, total_new, failed);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].new_crashes > 0 && rows[i].reproduce[0] != '\0') {
            printf("new crash in %s; reproduce with:\n", rows[i].target);
            print_indented(rows[i].reproduce);
        }
    }
}
