/* t_virtagent.c -- runs the virtagent vectors (corpus/vectors/virtagent/, syntax in vec.h)
 * against reference/virtagent.[ch] (historic-qemud-openhook-qga.md §3.1).
 *
 * Usage: t_virtagent [-v] FILE.vec...
 *
 * "in:" bytes may hold %LEN%, replaced by the decimal count of the bytes from the end of the
 * header that follows ("\r\n\r\n") up to the next 0xFF or the end of the input, so vectors
 * need not count body bytes.  Optional keys of every case (or section parameters): "from:"
 * (host, guest, any; default any) and "lenient: yes".
 *
 *   [func = va_decode]   one message.  Either "error:" and "offset:" (message offset), or
 *       "kind:" (request, response, fault) with "method:" (requests), "params:" (requests),
 *       "fault_code:" (faults), "items:" (values visited) and, lenient, "lax:" + "lax_offset:".
 *       Properties: the same result from an exact-size heap copy and from memory ending at a
 *       guard page; on error the output and the item count are untouched; on success every
 *       strict prefix fails, and encode(decode(in)) decodes to the same items and re-encodes
 *       to the same bytes (the encoder's layout is canonical).
 *   [func = va_stream]   a byte stream.  "events:" lists, in order, "ok@S" for a message that
 *       decodes at stream offset S and "CODE@S" for a framing error at S or a message whose
 *       decode fails at stream offset S; "pending: yes" when the stream ends inside a message.
 *       The stream is fed whole, byte by byte, and from a guard page: the events must agree.
 * The last line printed is "N passed, N failed"; the exit status is 1 if any case failed. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "guardbuf.h"
#include "vecrun.h"
#include "virtagent.h"
#include "xdr.h"

#define EVENTS_MAX 2048      /* characters of one events list */
#define ITEMS_CAP 4096

static struct vw_guardbuf guard;
static struct vw_va_item items_a[ITEMS_CAP], items_b[ITEMS_CAP];

/* expand_len replaces each "%LEN%" in |in| (see above); returns the new length. */
static size_t expand_len(uint8_t *in, size_t len, size_t cap) {
    for (size_t i = 0; i + 5 <= len; i++) {
        if (memcmp(in + i, "%LEN%", 5) != 0) {
            continue;
        }
        size_t b = i;
        while (b + 4 <= len && memcmp(in + b, "\r\n\r\n", 4) != 0) {
            b++;
        }
        b = b + 4 <= len ? b + 4 : len;
        size_t e = b;
        while (e < len && in[e] != VW_VA_SENTINEL) {
            e++;
        }
        char num[24];
        int n = snprintf(num, sizeof(num), "%zu", e - b);
        if (len - 5 + (size_t)n > cap) {
            return len;
        }
        memmove(in + i + n, in + i + 5, len - i - 5);
        memcpy(in + i, num, (size_t)n);
        len = len - 5 + (size_t)n;
    }
    return len;
}

static const char *get_opt(struct vw_vec_case *c, const char *key) {
    const struct vw_vec_kv *kv = vw_vec_get(c, key);
    if (kv == NULL) {
        kv = vw_vec_param(c, key);
    }
    return kv != NULL ? kv->value : NULL;
}

static int parse_from(struct vw_vec_case *c) {
    const char *v = get_opt(c, "from");
    if (v == NULL || strcmp(v, "any") == 0) {
        return VW_VA_FROM_ANY;
    }
    if (strcmp(v, "host") == 0) {
        return VW_VA_FROM_HOST;
    }
    if (strcmp(v, "guest") == 0) {
        return VW_VA_FROM_GUEST;
    }
    vw_vec_fail(c, 0, "from: host, guest or any, not \"%s\"", v);
    return VW_VA_FROM_ANY;
}

static unsigned parse_flags(struct vw_vec_case *c) {
    const char *v = get_opt(c, "lenient");
    return v != NULL && strcmp(v, "yes") == 0 ? VW_DEC_LENIENT : 0;
}

/* check_num compares the case key |key| with |actual|; a missing key fails when |required|. */
static void check_num(struct vw_vec_case *c, const char *key, int64_t actual, bool required) {
    uint64_t v;

    if (vw_vec_get_u64(c, key, &v) == 1 ? (int64_t)v != actual : required) {
        vw_vec_fail(c, 0, "%s: %lld", key, (long long)actual);
    }
}

static bool same_items(const struct vw_va_item *a, const struct vw_va_item *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint8_t ta[256], tb[256];
        size_t la = vw_va_text(a[i].text, a[i].raw, ta, sizeof(ta));
        size_t lb = vw_va_text(b[i].text, b[i].raw, tb, sizeof(tb));
        if (a[i].type == VW_VA_BASE64) {  /* the encoder drops line breaks */
            la = lb = 0;
        }
        if (a[i].type != b[i].type || a[i].depth != b[i].depth || a[i].i != b[i].i ||
            a[i].num != b[i].num || la != lb ||
            memcmp(ta, tb, la < sizeof(ta) ? la : sizeof(ta)) != 0) {
            return false;
        }
    }
    return true;
}

/* roundtrip: encode the decoded |m|, decode that, encode again. */
static void roundtrip(struct vw_vec_case *c, const struct vw_va_msg *m, int from,
                      const struct vw_va_item *items) {
    struct vw_va_items ib = { .items = items_b, .cap = ITEMS_CAP };
    size_t len1 = 0, len2 = 0, need = 0;
    uint8_t *e1, *e2;
    struct vw_va_msg m2;
    struct vw_diag d = { 0 };
    int r;

    if (vw_va_encode(NULL, 0, &need, m, items, m->num_items) != VW_E_NOSPACE) {
        vw_vec_fail(c, 0, "encode: measuring did not give VW_E_NOSPACE");
        return;
    }
    e1 = malloc(need + 1);
    e2 = malloc(need + 1);
    if (e1 == NULL || e2 == NULL) {
        vw_vec_fail(c, 0, "out of memory");
    } else if (need > 0 && vw_va_encode(e1, need - 1, &len1, m, items, m->num_items) !=
                               VW_E_NOSPACE) {
        vw_vec_fail(c, 0, "encode: one byte short is not VW_E_NOSPACE");
    } else if ((r = vw_va_encode(e1, need, &len1, m, items, m->num_items)) < 0 || len1 != need) {
        vw_vec_fail(c, 0, "encode: %s (%zu of %zu bytes)", vw_err_name(r), len1, need);
    } else if ((r = vw_va_decode(&m2, &d, NULL, e1, len1, from, 0, &ib)) < 0) {
        vw_vec_fail(c, 0, "decode(encode(in)): %s at %zu", vw_err_name(r), d.offset);
    } else if (ib.num != m->num_items || !same_items(items, items_b, ib.num) ||
               m2.kind != m->kind || m2.method != m->method) {
        vw_vec_fail(c, 0, "decode(encode(in)) differs from decode(in)");
    } else if ((r = vw_va_encode(e2, need, &len2, &m2, items_b, ib.num)) < 0 || len2 != len1 ||
               memcmp(e1, e2, len1) != 0) {
        vw_vec_fail(c, 0, "encode(decode(encode(in))) differs from encode(decode(in))");
    }
    free(e1);
    free(e2);
}

static void run_decode(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    static const char *const kinds[] = { "?", "request", "response", "fault" };
    struct vw_va_items ia = { .items = items_a, .cap = ITEMS_CAP };
    struct vw_va_msg m, sentinel;
    struct vw_diag d = { 0 }, lax = { 0 }, d2 = { 0 };
    int from = parse_from(c), r, r2;
    unsigned flags = parse_flags(c);
    const uint8_t *g = vw_guardbuf_put(&guard, in, len);
    uint8_t *heap = malloc(len + 1);
    uint64_t v;

    memset(&m, 0x5a, sizeof(m));
    sentinel = m;
    if (heap == NULL || g == NULL) {
        vw_vec_fail(c, 0, "no room for the input");
        free(heap);
        return;
    }
    memcpy(heap, in, len);
    r = vw_va_decode(&m, &d, &lax, heap, len, from, flags, &ia);
    r2 = vw_va_decode(&sentinel, &d2, NULL, g, len, from, flags, NULL);
    if (r != r2 || (r < 0 && d.offset != d2.offset)) {
        vw_vec_fail(c, 0, "guard page copy gives %s, heap copy %s", vw_err_name(r2),
                    vw_err_name(r));
    }
    if (r < 0) {
        struct vw_va_msg untouched;
        memset(&untouched, 0x5a, sizeof(untouched));
        if (memcmp(&m, &untouched, sizeof(m)) != 0 || ia.num != 0) {
            vw_vec_fail(c, 0, "output changed on error");
        }
        if (d.code != r) {
            vw_vec_fail(c, 0, "diag code %s differs from the result %s", vw_err_name(d.code),
                           vw_err_name(r));
        }
        const struct vw_vec_kv *e = vw_vec_get(c, "error");
        if (e == NULL) {
            vw_vec_fail(c, 0, "unexpected %s at offset %zu (field %s)", vw_err_name(r), d.offset,
                           d.field != NULL ? d.field : "-");
        } else if (vw_err_from_name(e->value) != r) {
            vw_vec_fail(c, 0, "expected %s, got %s at offset %zu", e->value, vw_err_name(r),
                        d.offset);
        }
        if (vw_vec_get_u64(c, "offset", &v) == 1 && v != d.offset) {
            vw_vec_fail(c, 0, "expected offset %llu, got %zu", (unsigned long long)v, d.offset);
        }
        free(heap);
        return;
    }
    if (vw_vec_get(c, "error") != NULL) {
        vw_vec_fail(c, 0, "decoded, but an error was expected");
        vw_vec_get(c, "offset");
    }
    const struct vw_vec_kv *k = vw_vec_get(c, "kind");
    if (k == NULL || strcmp(k->value, kinds[m.kind]) != 0) {
        vw_vec_fail(c, 0, "kind is %s", kinds[m.kind]);
    }
    k = vw_vec_get(c, "method");
    if ((k != NULL) != (m.method != NULL) ||
        (k != NULL && strcmp(k->value, m.method->name) != 0)) {
        vw_vec_fail(c, 0, "method is %s", m.method != NULL ? m.method->name : "(none)");
    }
    check_num(c, "params", m.num_params, m.kind == VW_VA_REQUEST);
    check_num(c, "fault_code", m.fault_code, m.kind == VW_VA_FAULT);
    check_num(c, "items", (int64_t)m.num_items, true);
    const struct vw_vec_kv *lk = vw_vec_get(c, "lax");
    if ((lk == NULL) != (lax.code == 0) ||
        (lk != NULL && vw_err_from_name(lk->value) != lax.code)) {
        vw_vec_fail(c, 0, "lax note is %s", lax.code != 0 ? vw_err_name(lax.code) : "(none)");
    }
    check_num(c, "lax_offset", (int64_t)lax.offset, lax.code != 0);
    for (size_t n = 0; n < len; n++) {
        struct vw_va_msg p;
        if (vw_va_decode(&p, NULL, NULL, heap, n, from, flags, NULL) == 0) {
            vw_vec_fail(c, 0, "the prefix of %zu bytes decodes", n);
            break;
        }
    }
    if (flags == 0) {
        roundtrip(c, &m, from, items_a);
    }
    free(heap);
}

/* feed frames |in| in chunks of |chunk| bytes (0: whole) and writes the events to |out|. */
static void feed(const uint8_t *in, size_t len, size_t chunk, int from, unsigned flags,
                 char *out, size_t cap, bool *pending) {
    struct vw_va_framer f;
    size_t off = 0, n = 0;

    out[0] = 0;
    vw_va_framer_init(&f);
    while (off < len) {
        size_t c = chunk == 0 || chunk > len - off ? len - off : chunk, used = 0;
        int r = vw_va_feed(&f, in + off, c, &used);
        off += used;
        if (r == 1) {
            struct vw_span msg;
            struct vw_va_msg m;
            struct vw_diag d = { 0 };
            vw_va_message(&f, &msg);
            int rd = vw_va_decode(&m, &d, NULL, msg.p, msg.len, from, flags, NULL);
            n += (size_t)snprintf(out + n, cap - n, "%s%s@%zu", n == 0 ? "" : " ",
                                  rd == 0 ? "ok" : vw_err_name(rd),
                                  f.msg_start + (rd == 0 ? 0 : d.offset));
        } else if (r != VW_E_AGAIN) {
            n += (size_t)snprintf(out + n, cap - n, "%s%s@%zu", n == 0 ? "" : " ",
                                  vw_err_name(r), f.err_offset);
            if (r == VW_E_NOMEM) {
                break;
            }
        }
        if (n >= cap) {
            break;
        }
    }
    *pending = vw_va_pending(&f);
    vw_va_framer_cleanup(&f);
}

static void run_stream(struct vw_vec_case *c, const uint8_t *in, size_t len) {
    static char whole[EVENTS_MAX], bytes[EVENTS_MAX], guarded[EVENTS_MAX];
    const struct vw_vec_kv *ev = vw_vec_get(c, "events"), *pk = vw_vec_get(c, "pending");
    int from = parse_from(c);
    unsigned flags = parse_flags(c);
    const uint8_t *g = vw_guardbuf_put(&guard, in, len);
    bool p1, p2, p3;

    if (g == NULL) {
        vw_vec_fail(c, 0, "no room for the input");
        return;
    }
    feed(in, len, 0, from, flags, whole, sizeof(whole), &p1);
    feed(in, len, 1, from, flags, bytes, sizeof(bytes), &p2);
    feed(g, len, 7, from, flags, guarded, sizeof(guarded), &p3);
    if (strcmp(whole, bytes) != 0 || strcmp(whole, guarded) != 0 || p1 != p2 || p1 != p3) {
        vw_vec_fail(c, 0,
                    "chunking changes the events: whole \"%s\", bytewise \"%s\", 7-byte \"%s\"",
                    whole, bytes, guarded);
    }
    if (ev == NULL || strcmp(ev->value, whole) != 0) {
        vw_vec_fail(c, 0, "events: %s", whole);
    }
    if ((pk != NULL && strcmp(pk->value, "yes") == 0) != p1) {
        vw_vec_fail(c, 0, "pending: %s", p1 ? "yes" : "no");
    }
}

static bool run_case(struct vw_vec_case *c) {
    uint8_t *in = NULL, *big = NULL;
    size_t len = 0;
    int r = vw_vec_get_bytes(c, "in", &in, &len);

    if (r == 0) {
        vw_vec_fail(c, 0, "a case needs \"in:\"");
    } else if (r < 0) {
        /* reported */
    } else if ((big = malloc(len + 64)) == NULL) {
        vw_vec_fail(c, 0, "out of memory");
    } else {
        memcpy(big, in, len);
        len = expand_len(big, len, len + 64);
        if (strcmp(c->func, "va_decode") == 0) {
            run_decode(c, big, len);
        } else if (strcmp(c->func, "va_stream") == 0) {
            run_stream(c, big, len);
        } else {
            vw_vec_fail(c, 0, "unknown func \"%s\"", c->func);
        }
    }
    free(in);
    free(big);
    return true;
}

int main(int argc, char **argv) {
    struct vw_vecrun r = { .name = "t_virtagent", .run = run_case, .guard = &guard,
                           .guard_cap = 1u << 16 };

    return vw_vecrun_main(&r, argc, argv);
}
