/* fuzz_chunks.h -- what the framer fuzz targets share: the control words in front of the
 * stream, an allocator that fails on request (libxml2 style: the first 4 input bytes choose the
 * allocation), the chunk sizes a seed chooses, and the FNV-1a digest their outcomes are
 * compared by.  Include it after fuzz.h, in one translation unit per target. */
#ifndef VW_FUZZ_CHUNKS_H
#define VW_FUZZ_CHUNKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The allocation vw_fuzz_failing_realloc fails, counting from 1; 0 = none. */
static unsigned long vw_fuzz_alloc_countdown;

/* vw_fuzz_failing_realloc is a framer's realloc_fn: realloc(3), except that the allocation
 * vw_fuzz_alloc_countdown names returns NULL. */
static inline void *vw_fuzz_failing_realloc(void *p, size_t n) {
    if (vw_fuzz_alloc_countdown != 0 && --vw_fuzz_alloc_countdown == 0) {
        return NULL;
    }
    return realloc(p, n);
}

/* Control words: 4 input bytes, most or least significant first. */
static inline uint32_t vw_fuzz_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint32_t vw_fuzz_le32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* vw_fuzz_take_control takes the usual 8 control bytes off the front of the input: the
 * allocation to fail (|*fail_at|) and the chunk seed (|*seed|), each most significant byte
 * first.  Returns false, taking nothing, when the input is shorter. */
static inline bool vw_fuzz_take_control(const uint8_t **data, size_t *size, uint32_t *fail_at,
                                        uint32_t *seed) {
    if (*size < 8) {
        return false;
    }
    *fail_at = vw_fuzz_be32(*data);
    *seed = vw_fuzz_be32(*data + 4);
    *data += 8;
    *size -= 8;
    return true;
}

/* vw_fuzz_chunk returns how many of the |left| bytes to feed next: all of them when |*seed| is
 * 0, else 1 to |spread| bytes (at most |left|) as the linear congruential generator in |*seed|
 * chooses; it steps |*seed|. */
static inline size_t vw_fuzz_chunk(uint32_t *seed, size_t left, unsigned spread) {
    size_t chunk;

    if (*seed == 0) {
        return left;
    }
    *seed = *seed * 1103515245u + 12345u;
    chunk = 1 + (*seed >> 16) % spread;
    return chunk < left ? chunk : left;
}

/* FNV-1a, 64 bits: vw_fuzz_fnv(VW_FUZZ_FNV_INIT, p, n) digests |n| bytes; passing the result
 * back in as |h| digests more. */
#define VW_FUZZ_FNV_INIT 0xcbf29ce484222325ull

static inline uint64_t vw_fuzz_fnv(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ p[i]) * 0x100000001b3ull;
    }
    return h;
}

#endif
