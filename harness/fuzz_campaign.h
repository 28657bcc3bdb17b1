/* fuzz_campaign.h -- `virtwire fuzz`: time-boxed fuzzing campaigns over the project's fuzz
 * targets with libFuzzer or AFL++, corpus merging, crash collection and de-duplication by
 * sanitizer stack, and the summary table (issue 7 points 1, 4, 7).
 *
 * The engines run the fuzz binaries of a build (BUILD/fuzzers/fuzz_<target>): a libFuzzer
 * build (-Dfuzzing=libfuzzer, ASan+UBSan) for --engine libfuzzer and for reproducing and
 * de-duplicating every crash; an AFL++ build (-Dfuzzing=afl) plus, for cmplog, an
 * AFL_LLVM_CMPLOG build, for --engine afl.  Corpora are corpus/fuzz/<target>/, dictionaries
 * corpus/fuzz/<target>.dict, libFuzzer options corpus/fuzz/<target>.options. */
#ifndef VW_FUZZ_CAMPAIGN_H
#define VW_FUZZ_CAMPAIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VW_FUZZ_SIG_MAX 512u        /* a crash signature: kind + top frames */
#define VW_FUZZ_PATH_MAX 4096u

enum vw_fuzz_engine { VW_FUZZ_LIBFUZZER, VW_FUZZ_AFL };

struct vw_fuzz_opts {
    int engine;                      /* enum vw_fuzz_engine */
    unsigned seconds;                /* per target */
    unsigned jobs;                   /* parallel processes (libFuzzer: targets at once; AFL:
                                      * instances per target, one -M and jobs-1 -S) */
    const char *build;               /* libFuzzer build dir (its fuzzers/fuzz_* binaries) */
    const char *afl_build;           /* AFL++ build dir (engine afl) */
    const char *cmplog_build;        /* AFL++ cmplog build dir, or NULL: no cmplog */
    const char *corpus_root;         /* .../corpus/fuzz */
    const char *work;                /* scratch dir for this run (created, removed at the end
                                      * unless keep_work) */
    const char *crash_dir;           /* where new crash inputs are copied (created) */
    bool merge;                      /* merge new inputs into corpus_root/<target>/ */
    bool keep_work;
    bool quiet;                      /* no progress lines */
};

/* One row of the summary table. */
struct vw_fuzz_result {
    char target[64];
    uint64_t execs;
    double execs_per_s;
    uint64_t features;               /* libFuzzer ft: (AFL: edges found) */
    uint64_t corpus_size;            /* inputs in the corpus after the run (after merge) */
    uint64_t new_inputs;             /* inputs added to the committed corpus by the merge */
    unsigned crashes;                /* distinct signatures seen in this run */
    unsigned new_crashes;            /* of those, not already known (crash_dir/ *.sig) */
    int status;                      /* 0 ok; <0 the engine could not run (reason in |why|) */
    char why[256];
    char reproduce[VW_FUZZ_PATH_MAX];  /* a command that reproduces the first new crash */
};

/* vw_fuzz_crash_signature reads a sanitizer report (ASan/UBSan/libFuzzer deadly signal,
 * timeout, OOM, abort from CHECK) and writes its de-duplication key into |sig|: the kind
 * ("heap-buffer-overflow READ", "SEGV", "timeout", "abort"...) and the function names of the
 * top 3 frames inside the project (frames in libc, the sanitizer runtime and libFuzzer are
 * skipped).  Returns 0, or -1 when |report| holds no recognisable report. */
int vw_fuzz_crash_signature(const char *report, char *sig, size_t sig_len);

/* vw_fuzz_run_input runs the fuzz binary |exe| on one |input| file (libFuzzer: exe -runs=1
 * FILE with the sanitizer options that make every report fatal), waits at most |timeout_s|,
 * and returns its combined stdout+stderr (NUL-terminated, malloc'd, at most 1 MiB) in
 * |*output| and its wait status in |*wstatus|.  Returns 0 or -1 (could not run). */
int vw_fuzz_run_input(const char *exe, const char *input, unsigned timeout_s, char **output,
                      int *wstatus);

/* vw_fuzz_path_fmt formats a path into |out|; returns 0, or -1 when it does not fit. */
int vw_fuzz_path_fmt(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* vw_fuzz_fail sets out->status to -1 and out->why to the message; returns -1. */
int vw_fuzz_fail(struct vw_fuzz_result *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* vw_fuzz_copy_file copies at most |max| bytes of |src| to |dst| (created or truncated).
 * Returns 0 or -1. */
int vw_fuzz_copy_file(const char *src, const char *dst, uint64_t max);

/* vw_fuzz_file_crash counts one crash of |target| (distinct within the run) in out->crashes
 * and, unless |sig| is already the first line of one of opts->crash_dir/ *.sig, counts it in
 * out->new_crashes, files it as crash_dir/<target>-<hash>.input (a copy of |input|), .sig
 * (|sig|) and .txt (|report|, when not NULL), and appends to out->reproduce the commands that
 * reproduce it (|exe|: the libFuzzer build's binary).  Both engines file crashes here, so one
 * bug has one name.  Returns 0, or -1 when a new crash could not be filed (said on stderr;
 * the reproduce command then names |input|). */
int vw_fuzz_file_crash(const char *target, const char *exe, const char *input, const char *sig,
                       const char *report, const struct vw_fuzz_opts *opts,
                       struct vw_fuzz_result *out);

/* vw_fuzz_sanitizer_env sets ASAN_OPTIONS and UBSAN_OPTIONS (appending to the caller's values)
 * so that every sanitizer report is fatal and symbolized; call it in a child before exec. */
void vw_fuzz_sanitizer_env(void);

/* vw_fuzz_libfuzzer_campaign / vw_fuzz_afl_campaign fuzz |target| for opts->seconds and fill
 * |out|.  New crashes are de-duplicated by signature (reproduced with the libFuzzer build's
 * binary when the engine is AFL) and copied to opts->crash_dir as <target>-<hash>.{input,sig,
 * txt}. */
int vw_fuzz_libfuzzer_campaign(const char *target, const struct vw_fuzz_opts *opts,
                               struct vw_fuzz_result *out);
int vw_fuzz_afl_campaign(const char *target, const struct vw_fuzz_opts *opts,
                         struct vw_fuzz_result *out);

/* vw_fuzz_print_table prints the summary: target, exec/s, features, corpus, new inputs,
 * crashes (new), one row per result, and the reproduce command of every new crash. */
void vw_fuzz_print_table(const struct vw_fuzz_result *rows, size_t n);

/* vw_cmd_fuzz is `virtwire fuzz` (harness/cmd_fuzz.c); argv starts at its own name, as the
 * subcommands of cmd.h. */
int vw_cmd_fuzz(int argc, char **argv);

#endif
