/* report.h -- machine-readable reports of a replay run: JSON and JUnit XML. */
#ifndef VW_CONFORMANCE_REPORT_H
#define VW_CONFORMANCE_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "replay.h"

/* struct vw_report_case: one case as reported. */
struct vw_report_case {
    const char *id;                        /* case id (file name without .txn if unparsed) */
    const char *file;                      /* the transcript's path */
    const char *protocol;                  /* "" when the transcript did not parse */
    const struct vw_replay_result *res;
};

/* vw_report_totals counts |cases| by verdict into |totals|[VW_VERDICT_COUNT]. */
void vw_report_totals(const struct vw_report_case *cases, size_t num_cases,
                      unsigned totals[VW_VERDICT_COUNT]);

/* vw_report_utf8_ok says whether |s| is valid UTF-8 (RFC 3629 §4; no overlongs, surrogates or
 * code points over U+10FFFF).  Server text in reasons may not be: reports then write its
 * bytes >= 0x80 as \u00XX (JSON) or '?' (XML) so the report still parses. */
bool vw_report_utf8_ok(const char *s);

/* The characters of an observation's C-escaped bytes a report holds. */
#define VW_REPORT_OBS_TEXT_MAX 4096u

/* vw_report_json writes {"cases": [{id, file, protocol, verdict, reason, diff, duration_ms,
 * fds_received, observations: [{line, bytes, text}...], resyncs: [{line, us, dropped, sends,
 * implicit}...]}...], "totals": {cases, pass, non_strict, fail, error, skip[, informational]}}
 * to |f| ("informational" only when some case is INFORMATIONAL; text: the observed bytes
 * C-escaped, at most VW_REPORT_OBS_TEXT_MAX characters).  Returns 0, or -1 when writing
 * failed. */
int vw_report_json(FILE *f, const struct vw_report_case *cases, size_t num_cases);

/* vw_report_junit writes JUnit XML to |f|: one <testsuite> per protocol, one <testcase> per
 * case (classname = protocol, name = id), FAIL as <failure>, ERROR as <error>, SKIP as
 * <skipped>, NON-STRICT and INFORMATIONAL as a pass with the verdict and reason in
 * <system-out>, which also lists the case's observations and syncs.  Returns 0 or -1. */
int vw_report_junit(FILE *f, const struct vw_report_case *cases, size_t num_cases);

#endif
