/* adapter.c -- the byte buffer and decoded-message helpers every protocol adapter uses. */
#include "adapter.h"

#include <stdlib.h>
#include <string.h>

int vw_cf_buf_append(struct vw_cf_buf *b, const void *data, size_t n) {
    if (n == 0) {
        return 0;
    }
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

int vw_cf_msg_add_field(struct vw_cf_msg *m, const char *path, const char *value) {
    char *p = strdup(path), *v = strdup(value);

    if (p == NULL || v == NULL) {
        goto nomem;
    }
    if (m->num_fields == m->cap_fields) {
        /* Doubling keeps a message of n fields at O(n) copies. */
        size_t cap = m->cap_fields != 0 ? 2 * m->cap_fields : 16;
        struct vw_cf_field *fields;
        if (cap > SIZE_MAX / sizeof(*fields)) {
            goto nomem;
        }
        fields = realloc(m->fields, cap * sizeof(*fields));
        if (fields == NULL) {
            goto nomem;
        }
        m->fields = fields;
        m->cap_fields = cap;
    }
    m->fields[m->num_fields].path = p;
    m->fields[m->num_fields].value = v;
    m->num_fields++;
    return 0;

nomem:
    free(p);
    free(v);
    return VW_E_NOMEM;
}

const char *vw_cf_msg_field(const struct vw_cf_msg *m, const char *path) {
    for (size_t i = 0; i < m->num_fields; i++) {
        if (strcmp(m->fields[i].path, path) == 0) {
            return m->fields[i].value;
        }
    }
    return NULL;
}

void vw_cf_msg_cleanup(struct vw_cf_msg *m) {
    for (size_t i = 0; i < m->num_fields; i++) {
        free(m->fields[i].path);
        free(m->fields[i].value);
    }
    free(m->fields);
    memset(m, 0, sizeof(*m));
}
