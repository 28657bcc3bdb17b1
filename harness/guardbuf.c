/* guardbuf.c -- inputs that end at a PROT_NONE page; see guardbuf.h. */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS */

#include "guardbuf.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int vw_guardbuf_init(struct vw_guardbuf *g, size_t cap) {
    long ps = sysconf(_SC_PAGESIZE);
    size_t page, data_len;
    void *m;

    memset(g, 0, sizeof(*g));
    if (ps <= 0) {
        errno = EINVAL;
        return -1;
    }
    page = (size_t)ps;
    if (cap > SIZE_MAX - 3 * page) {
        errno = ENOMEM;
        return -1;
    }
    data_len = (cap + page - 1) / page * page;
    if (data_len == 0) {
        data_len = page;
    }
    m = mmap(NULL, data_len + 2 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        return -1;
    }
    g->map = m;
    g->map_len = data_len + 2 * page;
    g->page = page;
    g->cap = data_len;
    return 0;
}

const uint8_t *vw_guardbuf_put(struct vw_guardbuf *g, const uint8_t *data, size_t len) {
    uint8_t *start = g->map + g->page;
    uint8_t *end = start + g->cap;   /* first byte of the trailing guard page */

    if (g->map == NULL || len > g->cap) {
        return NULL;
    }
    if (mprotect(start, g->cap, PROT_READ | PROT_WRITE) != 0) {
        return NULL;
    }
    memset(start, 0xA5, g->cap - len);
    if (len > 0) {
        memcpy(end - len, data, len);
    }
    if (mprotect(start, g->cap, PROT_READ) != 0) {
        return NULL;
    }
    return end - len;
}

void vw_guardbuf_cleanup(struct vw_guardbuf *g) {
    if (g->map != NULL) {
        munmap(g->map, g->map_len);
    }
    memset(g, 0, sizeof(*g));
}
