/* adapter.c -- the byte buffer and decoded-message helpers every protocol adapter uses. */
#include "adapter.h"

#include <stdlib.h>
#include <string.h>

int vw_cf_buf_reserve(struct vw_cf_buf *b, size_t n) {
    if (n > SIZE_MAX - b->len) {
        return VW_E_NOMEM;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap != 0 ? b->cap : 256;
        while (cap < b->len + n) {
            cap = cap > SIZE_MAX / 2 ? b->len + n : cap * 2;
        }
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL) {
            return VW_E_NOMEM;
        }
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

int vw_cf_buf_append(struct vw_cf_buf *b, const void *data, size_t n) {
    int r;

    if (n == 0) {
        return 0;
    }
    if ((r = vw_cf_buf_reserve(b, n)) < 0) {
        return r;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

void vw_cf_buf_free(struct vw_cf_buf *b) {
    free(b->p);
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
}

/* ---- the arena ---- */

struct vw_cf_arena_block {
    struct vw_cf_arena_block *next;
    uint64_t data[];             /* 8-byte aligned storage */
};

/* One spare first block (VW_CF_ARENA_BLOCK_MIN), reused by the next arena; still reachable
 * at exit (one block), never more.  The runner is single-threaded.  Not under ASan, which
 * should see every block freed (a use after free would hide in a reused block). */
#if defined(__SANITIZE_ADDRESS__)
#define VW_CF_ARENA_SPARE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VW_CF_ARENA_SPARE 0
#endif
#endif
#ifndef VW_CF_ARENA_SPARE
#define VW_CF_ARENA_SPARE 1
#endif
static struct vw_cf_arena_block *vw_cf_spare;

void *vw_cf_arena_alloc_block(struct vw_cf_arena *a, size_t n) {
    struct vw_cf_arena_block *b;
    size_t need = (n + 7) & ~(size_t)7, cap;

    if (n > SIZE_MAX - 7 - sizeof(*b)) {
        return NULL;
    }
    if (need == 0) {
        need = 8;
    }
    if (need <= a->left) {
        void *p = a->cur;
        a->cur += need;
        a->left -= need;
        return p;
    }
    cap = a->cap == 0 ? VW_CF_ARENA_BLOCK_MIN
          : a->cap >= VW_CF_ARENA_BLOCK_MAX / 2 ? VW_CF_ARENA_BLOCK_MAX : 2 * a->cap;
    if (need > cap / 2 && a->head != NULL) {
        /* a block of its own, behind the head, so the head keeps its free space */
        if ((b = malloc(sizeof(*b) + need)) == NULL) {
            return NULL;
        }
        b->next = a->head->next;
        a->head->next = b;
        return b->data;
    }
    if (need > cap) {
        cap = need;
    }
    if (cap == VW_CF_ARENA_BLOCK_MIN && vw_cf_spare != NULL) {
        b = vw_cf_spare;            /* a first block, as vw_cf_arena_free kept it */
        vw_cf_spare = NULL;
    } else if ((b = malloc(sizeof(*b) + cap)) == NULL) {
        return NULL;
    }
    b->next = a->head;
    a->head = b;
    a->cap = cap;
    a->cur = (uint8_t *)b->data + need;
    a->left = cap - need;
    return b->data;
}

char *vw_cf_arena_strndup(struct vw_cf_arena *a, const char *s, size_t n) {
    char *d = n < SIZE_MAX ? vw_cf_arena_alloc(a, n + 1) : NULL;

    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

void vw_cf_arena_free(struct vw_cf_arena *a) {
    struct vw_cf_arena_block *b = a->head;

    /* the head of a one-block arena of the smallest size (a decoded message) is kept for
     * the next arena instead of freed: one malloc/free pair less per message */
    if (VW_CF_ARENA_SPARE && b != NULL && b->next == NULL && a->cap == VW_CF_ARENA_BLOCK_MIN
        && vw_cf_spare == NULL) {
        vw_cf_spare = b;
        b = NULL;
    }
    while (b != NULL) {
        struct vw_cf_arena_block *next = b->next;
        free(b);
        b = next;
    }
    memset(a, 0, sizeof(*a));
}

/* ---- numbers and summary text ---- */

size_t vw_cf_fmt_u64(char *buf, uint64_t v) {
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    size_t n = 1, at;

    if (v <= UINT32_MAX) {
        uint32_t w = (uint32_t)v;   /* most values: the digit count in 32-bit compares */
        n = w < 10 ? 1 : w < 100 ? 2 : w < 1000 ? 3 : w < 10000 ? 4 : w < 100000 ? 5
            : w < 1000000 ? 6 : w < 10000000 ? 7 : w < 100000000 ? 8 : w < 1000000000 ? 9
            : 10;
    } else {
        for (uint64_t p = 10; n < 20 && v >= p; p *= 10) {
            n++;                    /* the number of digits: 10^19 is the last power */
        }
    }
    at = n;
    buf[n] = '\0';
    /* two digits per division, from the end, straight into |buf| */
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        buf[--at] = pairs[2 * d + 1];
        buf[--at] = pairs[2 * d];
    }
    if (v >= 10) {
        buf[--at] = pairs[2 * v + 1];
        buf[--at] = pairs[2 * v];
    } else {
        buf[--at] = (char)('0' + v);
    }
    return n;
}

size_t vw_cf_fmt_i64(char *buf, int64_t v) {
    if (v >= 0) {
        return vw_cf_fmt_u64(buf, (uint64_t)v);
    }
    buf[0] = '-';
    /* -(v + 1) + 1 has no overflow at INT64_MIN */
    return 1 + vw_cf_fmt_u64(buf + 1, (uint64_t)(-(v + 1)) + 1);
}

size_t vw_cf_put_u64(char *buf, size_t cap, size_t at, uint64_t v) {
    char tmp[VW_CF_FMT_MAX];

    vw_cf_fmt_u64(tmp, v);
    return vw_cf_put(buf, cap, at, tmp);
}

size_t vw_cf_put_i64(char *buf, size_t cap, size_t at, int64_t v) {
    char tmp[VW_CF_FMT_MAX];

    vw_cf_fmt_i64(tmp, v);
    return vw_cf_put(buf, cap, at, tmp);
}

/* ---- decoded messages ---- */

/* fields_room makes room for |n| more fields in |m|'s list; 0 or VW_E_NOMEM. */
static int fields_room(struct vw_cf_msg *m, size_t n) {
    if (n > m->cap_fields - m->num_fields) {
        /* Doubling keeps a message of n fields at O(n) copies (and the arena within 2n). */
        size_t cap = m->cap_fields != 0 ? 2 * m->cap_fields : 16;
        while (cap - m->num_fields < n && cap <= SIZE_MAX / 2) {
            cap *= 2;
        }
        struct vw_cf_field *fields;
        if (cap > SIZE_MAX / sizeof(*fields)) {
            return VW_E_NOMEM;
        }
        if ((fields = vw_cf_arena_alloc(&m->arena, cap * sizeof(*fields))) == NULL) {
            return VW_E_NOMEM;
        }
        if (m->num_fields > 0) {
            memcpy(fields, m->fields, m->num_fields * sizeof(*fields));
        }
        m->fields = fields;
        m->cap_fields = cap;
    }
    return 0;
}

/* field_room makes room for one more field in |m|'s list; 0 or VW_E_NOMEM. */
static int field_room(struct vw_cf_msg *m) {
    return fields_room(m, 1);
}

struct vw_cf_field *vw_cf_msg_add_fields(struct vw_cf_msg *m, size_t n, size_t bytes,
                                         char **out_text) {
    struct vw_cf_field *f;
    char *text;

    if (n > SIZE_MAX / 2 || fields_room(m, n) < 0 ||
        (text = vw_cf_arena_alloc(&m->arena, bytes)) == NULL) {
        return NULL;
    }
    f = m->fields + m->num_fields;
    m->num_fields += n;
    *out_text = text;
    return f;
}

int vw_cf_msg_add_field_n(struct vw_cf_msg *m, const char *path, const char *value,
                          size_t value_len) {
    size_t path_len = strlen(path);
    char *p;

    if (field_room(m) < 0) {
        return VW_E_NOMEM;
    }
    /* path and value in one piece of the arena: "path\0value\0" */
    if (path_len >= SIZE_MAX / 2 || value_len >= SIZE_MAX / 2 ||
        (p = vw_cf_arena_alloc(&m->arena, path_len + value_len + 2)) == NULL) {
        /* the field list is unchanged (except possibly a larger copy of it, in the arena) */
        return VW_E_NOMEM;
    }
    memcpy(p, path, path_len + 1);
    memcpy(p + path_len + 1, value, value_len);
    p[path_len + 1 + value_len] = '\0';
    m->fields[m->num_fields].path = p;
    m->fields[m->num_fields].value = p + path_len + 1;
    m->num_fields++;
    return 0;
}

int vw_cf_msg_add_num(struct vw_cf_msg *m, const char *path, size_t path_len, uint64_t v,
                      bool neg) {
    char *p;

    if (field_room(m) < 0 || path_len >= SIZE_MAX / 2 ||
        (p = vw_cf_arena_alloc(&m->arena, path_len + 2 + VW_CF_FMT_MAX)) == NULL) {
        return VW_E_NOMEM;
    }
    memcpy(p, path, path_len);
    p[path_len] = '\0';
    p[path_len + 1] = '-';
    vw_cf_fmt_u64(p + path_len + 1 + neg, v);
    m->fields[m->num_fields].path = p;
    m->fields[m->num_fields].value = p + path_len + 1;
    m->num_fields++;
    return 0;
}

int vw_cf_msg_add_field(struct vw_cf_msg *m, const char *path, const char *value) {
    return vw_cf_msg_add_field_n(m, path, value, strlen(value));
}

const char *vw_cf_msg_field(const struct vw_cf_msg *m, const char *path) {
    for (size_t i = 0; i < m->num_fields; i++) {
        /* the first byte decides most comparisons without a call */
        if (m->fields[i].path[0] == path[0] && strcmp(m->fields[i].path, path) == 0) {
            return m->fields[i].value;
        }
    }
    return NULL;
}

void vw_cf_msg_cleanup(struct vw_cf_msg *m) {
    vw_cf_arena_free(&m->arena);  /* the fields and their strings */
    vw_cf_msg_clear(m);
}
