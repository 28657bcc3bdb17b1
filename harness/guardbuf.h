/* guardbuf.h -- inputs placed against a PROT_NONE page, so an over-read faults even without ASan.
 *
 * Layout of the mapping: [guard page][data pages][guard page].  vw_guardbuf_put copies an input
 * so that its last byte is the last byte before the trailing guard page, then makes the data
 * pages read-only: a decoder that reads one byte too far, or writes into its input, gets SIGSEGV.
 * An empty input is a pointer to the first byte of the guard page. */
#ifndef VW_GUARDBUF_H
#define VW_GUARDBUF_H

#include <stddef.h>
#include <stdint.h>

struct vw_guardbuf {
    uint8_t *map;       /* the whole mapping, or NULL */
    size_t map_len;
    size_t page;
    size_t cap;         /* bytes between the two guard pages */
};

/* vw_guardbuf_init maps room for inputs of up to |cap| bytes.  Returns 0, or -1 with errno set
 * (|g| is then empty, and vw_guardbuf_cleanup may still be called). */
int vw_guardbuf_init(struct vw_guardbuf *g, size_t cap);

/* vw_guardbuf_put copies |len| bytes of |data| to end at the trailing guard page and returns
 * where they start (read-only until the next put), or NULL when |len| is over the capacity or
 * mprotect fails.  The bytes before the copy are filled with 0xA5. */
const uint8_t *vw_guardbuf_put(struct vw_guardbuf *g, const uint8_t *data, size_t len);

/* vw_guardbuf_cleanup unmaps |g|; an empty or cleaned |g| is fine. */
void vw_guardbuf_cleanup(struct vw_guardbuf *g);

#endif
