/* planted.h -- known bugs planted in the decoders to measure how fast the fuzzers find them
 * (issue 7 point 6, "Fuzzer efficacy" in README.md; bench/bench_planted.py).
 *
 * Built with `-Dplant_bugs=true`, meson defines VW_PLANT_BUGS=1 and vw_planted(N) is true when
 * the environment variable VW_PLANTED_BUG equals N (read once per translation unit, then
 * cached), so one build serves every bug and with the variable unset behaves as the normal
 * build.  Without the option vw_planted(N) is the constant 0 and every planted block is
 * `#if VW_PLANT_BUGS`-ed out: the release objects hold no trace of them.
 *
 * Every bug is a mistake a person makes; each sits in its own decoder or rule, and each is
 * reachable from the input format of the fuzz target named beside it.  The witness input that
 * triggers bug N is bench/planted/<N>-<name>.input. */
#ifndef VW_PLANTED_H
#define VW_PLANTED_H

enum vw_plant {
    VW_PLANT_NONE = 0,
    VW_PLANT_ONCRPC_CRED_LEN = 1,     /* missing length check: cred body length (oncrpc_decode) */
    VW_PLANT_ONCRPC_GIDS_MUL = 2,     /* 4 * num_gids in 32 bits, no count limit (oncrpc_decode) */
    VW_PLANT_ONCRPC_PAD_LAX = 3,      /* shortcut accepts non-zero name padding (oncrpc_paths) */
    VW_PLANT_VIRNET_SIGNED_LEN = 4,   /* range check of the length word in int32 (virnet_decode) */
    VW_PLANT_RM_REALLOC_FREE = 5,     /* frees the old block after realloc moved it
                                       * (oncrpc_record_chunking) */
    VW_PLANT_QEMUD_DISCRIMINANT = 6,  /* arm table indexed by an unchecked type (qemud_decode) */
    VW_PLANT_FDPASS_LEAK = 7,         /* fds over max_fds not closed (fdpass) */
    VW_PLANT_QGA_NUL_ROOM = 8,        /* buffer sized exactly, no room for the NUL (qga_framer) */
    VW_PLANT_OPENHOOK_NAME_LEN = 9,   /* off by one: filename read one byte past (openhook) */
    VW_PLANT_VIRNET_STALE_BUF = 10,   /* a pointer into the framer's buffer kept across its
                                       * growth: use after free (virnet_decode) */
    VW_PLANT_COUNT = 11,
};

#if defined(VW_PLANT_BUGS) && VW_PLANT_BUGS
#include <stdlib.h>

/* vw_planted_bug is the number in VW_PLANTED_BUG (0 when unset or not a number). */
static inline int vw_planted_bug(void) {
    static int cached = -1;

    if (cached < 0) {
        const char *s = getenv("VW_PLANTED_BUG");
        char *end = NULL;
        long n = s != NULL ? strtol(s, &end, 10) : 0;
        cached = s != NULL && end != s && *end == '\0' && n > 0 && n < VW_PLANT_COUNT ? (int)n : 0;
    }
    return cached;
}
#define vw_planted(n) (vw_planted_bug() == (n))
#else
#define vw_planted(n) 0
#endif

#endif
