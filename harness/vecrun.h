/* vecrun.h -- what every test vector runner (harness/t_*.c) shares: the loop over files and
 * cases with its verdicts, and the checks every decoder or framer case makes the same way.
 * The file format and the typed key readers are vec.h's. */
#ifndef VW_VECRUN_H
#define VW_VECRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "guardbuf.h"
#include "vec.h"

/* A vw_vecrun_fn runs one case and returns false when it failed; a case that called
 * vw_vec_fail has failed whatever it returns. */
typedef bool (*vw_vecrun_fn)(struct vw_vec_case *c);

/* A runner: its name (for messages), the function that runs one case, and what it starts
 * from. */
struct vw_vecrun {
    const char *name;
    vw_vecrun_fn run;
    struct vw_guardbuf *guard;  /* mapped for |guard_cap| bytes during the run, or NULL */
    size_t guard_cap;
    size_t passed, failed;      /* counts to start from (a runner's own checks); totals */
};

/* vw_vecrun_main is a runner's main(): "NAME [-v] FILE.vec...".  It maps r->guard, runs r->run
 * on every case of every file; a case that passed but left a key or section parameter unread
 * fails (vw_vec_report_unused); a file that cannot be read or parsed, or holds no case, counts
 * as one failure.  -v prints "path:line: ok|FAIL: name" per case.  It ends with the line
 * "N passed, N failed" and returns the exit status: 0 when nothing failed, else 1 (also for a
 * usage error, without files, and when the guard buffer cannot be mapped). */
int vw_vecrun_main(struct vw_vecrun *r, int argc, char **argv);

/* One function a runner tests, by the "func" its sections name; |run| gets the case's "in:". */
struct vw_vecrun_func {
    const char *name;
    void (*run)(struct vw_vec_case *c, const uint8_t *in, size_t len);
};

/* vw_vecrun_dispatch is a vw_vecrun_fn body: it reads "in:" (required; vec.h bytes) and runs
 * the entry of |funcs| (|num| of them) the case's section names.  Returns true: failures are
 * reported with vw_vec_fail. */
bool vw_vecrun_dispatch(struct vw_vec_case *c, const struct vw_vecrun_func *funcs, size_t num);

/* vw_vecrun_check_error checks an error case: the result |r| is the "error:" |want|, the diag
 * agrees with it, "offset:" (required) is diag->offset and "field:" (when given) the field it
 * names.  Returns false when |r| is not |want| (reported; nothing else is checked). */
bool vw_vecrun_check_error(struct vw_vec_case *c, int r, const struct vw_diag *diag, int want);

/* vw_vecrun_check_lax compares a lenient decode's note with "lax:" (a code or none) and
 * "lax_offset:". */
void vw_vecrun_check_lax(struct vw_vec_case *c, const struct vw_diag *lax);

#define VW_VECRUN_STARTS_MAX 32  /* message offsets a stream case lists (out.starts) */

/* What a byte-fed framer made of a stream: fill it with memset 0 first, so that runs compare
 * with memcmp. */
struct vw_vecrun_feed {
    size_t num;                              /* messages framed */
    uint64_t starts[VW_VECRUN_STARTS_MAX];   /* the stream offset of each */
    size_t last_len;                         /* the length of the last (0: not recorded) */
    int err;                                 /* the framing error, or 0 */
    size_t err_at;                           /* the stream offset of its message */
    bool pending;                            /* the stream ends inside a message */
};

/* vw_vecrun_check_feed checks a stream case: |whole|, |bytes| and |guarded| (the stream fed
 * whole, byte by byte and from a guard page) agree, and "out.messages" (required),
 * "out.starts", "error" with "offset" and "pending" give what |whole| found. */
void vw_vecrun_check_feed(struct vw_vec_case *c, const struct vw_vecrun_feed *whole,
                          const struct vw_vecrun_feed *bytes,
                          const struct vw_vecrun_feed *guarded);

#endif
