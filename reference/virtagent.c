/* virtagent.c -- virtagent framer, header checks and message encoder
 * (historic-qemud-openhook-qga.md §3.1); the XML-RPC body is virtagent_xmlrpc.c. */
#include "virtagent.h"

#include <stdlib.h>
#include <string.h>

#include "xdr.h"

/* §3.1 va_http_hdr_init: the first lines and the header names, in the order it writes them. */
static const char request_line[] = "POST /RPC2 HTTP/1.1";
static const char status_line[] = "HTTP/1.1 200 OK";
static const char *const hdr_names[3] = { "Content-Type", "Content-Length",
                                          "X-Virtagent-Client-Tag" };
enum { H_TYPE, H_LENGTH, H_TAG };
/* §3.1: the reader parses Content-Length "from the line prefix" of 16 characters. */
static const char cl_prefix[] = "Content-Length: ";

static int fail(struct vw_diag *diag, int code, size_t offset) {
    if (diag != NULL) {
        vw_diag_set(diag, code, offset);
        vw_diag_field(diag, "header");
    }
    return code;
}

/* lax_or_fail: a rule the reader does not enforce (§3.1) is an error in strict mode and a
 * note in lenient mode. */
static int lax_or_fail(struct vw_diag *diag, struct vw_diag *lax, unsigned flags, int code,
                       size_t offset) {
    if ((flags & VW_DEC_LENIENT) != 0) {
        if (lax != NULL && lax->code == 0) {
            fail(lax, code, offset);
        }
        return 0;
    }
    return fail(diag, code, offset);
}

int vw_va_content_length(const uint8_t *v, size_t n, uint32_t *out) {
    uint64_t x = 0;

    /* [stricter than atoi, §3.1]: digits only, no sign, no blanks, no leading zero */
    if (n == 0 || (n > 1 && v[0] == '0')) {
        return VW_E_SYNTAX;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return VW_E_SYNTAX;
        }
        if (x <= VW_VA_CONTENT_LEN_MAX) {
            x = x * 10 + (uint64_t)(v[i] - '0');
        }
    }
    if (x > VW_VA_CONTENT_LEN_MAX) {  /* §3.1 VA_CONTENT_LEN_MAX */
        return VW_E_TOO_LONG;
    }
    *out = (uint32_t)x;
    return 0;
}

static bool span_is(const uint8_t *p, size_t n, const char *s) {
    return strlen(s) == n && memcmp(p, s, n) == 0;
}

/* find_content_length looks for the "Content-Length: " line of the header |h| (|n| bytes, the
 * sentinel first, ending "\n\r\n") as the reader does, and parses it.  Sets |*out_off| to the
 * offset of the error (or of the value).  A second such line is VW_E_MEMBER: the message would
 * have two lengths. */
static int find_content_length(const uint8_t *h, size_t n, uint32_t *out, size_t *out_off) {
    size_t line = 1, found = 0;
    const size_t plen = sizeof(cl_prefix) - 1;
    int r;

    for (size_t i = 1; i < n; i++) {
        if (h[i] != '\n') {
            continue;
        }
        if (i - line >= plen && memcmp(h + line, cl_prefix, plen) == 0) {
            if (found != 0) {
                *out_off = line;
                return VW_E_MEMBER;
            }
            found = line;
        }
        line = i + 1;
    }
    if (found == 0) {  /* §3.1: "malformed http header" */
        *out_off = 0;
        return VW_E_MEMBER;
    }
    size_t v = found + plen, end = v;
    while (end < n && h[end] != '\r' && h[end] != '\n') {
        end++;
    }
    *out_off = v;
    if (end >= n || h[end] != '\r' || end + 1 >= n || h[end + 1] != '\n') {
        return VW_E_SYNTAX;  /* the value must end with CRLF */
    }
    if ((r = vw_va_content_length(h + v, end - v, out)) < 0) {
        return r;
    }
    return 0;
}

/* check_tag: §3.1 the tag is what the writer formats with %s ("none" without one); this
 * project requires 1..64 printable ASCII bytes (the reader copies MIN(len, 64)). */
static int check_tag(struct vw_diag *diag, struct vw_diag *lax, unsigned flags,
                     const uint8_t *v, size_t n, size_t off) {
    int r;

    if (n == 0) {
        return lax_or_fail(diag, lax, flags, VW_E_SYNTAX, off);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < 0x21 || v[i] > 0x7e) {
            return lax_or_fail(diag, lax, flags, VW_E_SYNTAX, off + i);
        }
    }
    if (n > VW_VA_TAG_MAX && (r = lax_or_fail(diag, lax, flags, VW_E_TOO_LONG,
                                              off + VW_VA_TAG_MAX)) < 0) {
        return r;
    }
    return 0;
}

/* decode_header checks the header of |buf| (|len| bytes, sentinel first) and fills |m|'s kind,
 * hdr_end, tag and content_len. */
static int decode_header(struct vw_va_msg *m, struct vw_diag *diag, struct vw_diag *lax,
                         const uint8_t *buf, size_t len, unsigned flags) {
    size_t pos = 1, end, seen_at[3] = { 0, 0, 0 };
    int last = -1, r;
    bool first = true;

    if (len == 0) {
        return fail(diag, VW_E_SHORT, 0);
    }
    if (buf[0] != VW_VA_SENTINEL) {  /* §3.1: a message starts with the sentinel */
        return fail(diag, VW_E_SYNTAX, 0);
    }
    /* §3.1 READ_HDR: the header ends at the first "\n\r\n", within VA_HDR_LEN_MAX bytes */
    for (end = 4; end <= len && end - 1 <= VW_VA_HDR_LEN_MAX; end++) {
        if (memcmp(buf + end - 3, "\n\r\n", 3) == 0) {
            break;
        }
    }
    if (end - 1 > VW_VA_HDR_LEN_MAX) {
        return fail(diag, VW_E_TOO_LONG, 1 + VW_VA_HDR_LEN_MAX);
    }
    if (end > len) {
        return fail(diag, VW_E_SHORT, len);
    }
    for (;;) {
        size_t eol = pos;
        while (buf[eol] != '\n') {  /* the header ends with '\n' */
            eol++;
        }
        /* §3.1: "each terminated \r\n" */
        if (eol == pos || buf[eol - 1] != '\r') {
            return fail(diag, VW_E_SYNTAX, eol);
        }
        const uint8_t *l = buf + pos;
        size_t n = eol - 1 - pos;
        for (size_t i = 0; i < n; i++) {
            if (l[i] < 0x20 || l[i] >= 0x7f) {  /* [strict]: printable ASCII lines */
                return fail(diag, VW_E_SYNTAX, pos + i);
            }
        }
        if (first) {
            /* §3.1: the request line or the status line, nothing else */
            if (span_is(l, n, request_line)) {
                m->kind = VW_VA_REQUEST;
            } else if (span_is(l, n, status_line)) {
                m->kind = VW_VA_RESPONSE;
            } else {
                return fail(diag, VW_E_SYNTAX, pos);
            }
            first = false;
            pos = eol + 1;
            continue;
        }
        if (n == 0) {
            pos = eol + 1;
            break;  /* the empty line ends the header */
        }
        const uint8_t *colon = memchr(l, ':', n);
        if (colon == NULL || (size_t)(colon - l) + 1 >= n || colon[1] != ' ') {
            return fail(diag, VW_E_SYNTAX, pos);  /* "Name: value" */
        }
        size_t name_len = (size_t)(colon - l), voff = pos + name_len + 2;
        const uint8_t *v = l + name_len + 2;
        size_t vlen = n - name_len - 2;
        int h = -1;
        for (int k = 0; k < 3; k++) {
            if (span_is(l, name_len, hdr_names[k])) {
                h = k;
            }
        }
        if (h < 0) {
            /* §3.1: va_http_hdr_init writes these three headers only */
            if ((r = lax_or_fail(diag, lax, flags, VW_E_MEMBER, pos)) < 0) {
                return r;
            }
            pos = eol + 1;
            continue;
        }
        if (seen_at[h] != 0) {
            if (h == H_LENGTH) {  /* two lengths: no framing is right (also lenient) */
                return fail(diag, VW_E_MEMBER, pos);
            }
            if ((r = lax_or_fail(diag, lax, flags, VW_E_MEMBER, pos)) < 0) {
                return r;
            }
            pos = eol + 1;
            continue;
        }
        seen_at[h] = pos;
        if (h < last && (r = lax_or_fail(diag, lax, flags, VW_E_MEMBER, pos)) < 0) {
            return r;  /* order differs from va_http_hdr_init: non-canonical */
        }
        last = h > last ? h : last;
        if (h == H_TYPE && !span_is(v, vlen, "text/xml") &&
            (r = lax_or_fail(diag, lax, flags, VW_E_TYPE, voff)) < 0) {
            return r;  /* §3.1 "Content-Type: text/xml" */
        }
        if (h == H_LENGTH && (r = vw_va_content_length(v, vlen, &m->content_len)) < 0) {
            return fail(diag, r, voff);
        }
        if (h == H_TAG) {
            if ((r = check_tag(diag, lax, flags, v, vlen, voff)) < 0) {
                return r;
            }
            m->tag = (struct vw_span){ .p = v, .len = vlen };
        }
        pos = eol + 1;
    }
    if (seen_at[H_LENGTH] == 0) {  /* §3.1: missing -> "malformed http header" */
        return fail(diag, VW_E_MEMBER, pos - 2);
    }
    for (int k = 0; k < 3; k += 2) {
        if (seen_at[k] == 0 && (r = lax_or_fail(diag, lax, flags, VW_E_MEMBER, pos - 2)) < 0) {
            return r;
        }
    }
    m->hdr_end = pos;
    return 0;
}

int vw_va_decode(struct vw_va_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                 const uint8_t *buf, size_t len, int from, unsigned flags,
                 struct vw_va_items *items) {
    struct vw_va_msg m = { 0 };
    struct vw_diag lax_here = { 0 };
    int r;

    if ((r = decode_header(&m, diag, &lax_here, buf, len, flags)) < 0) {
        return r;
    }
    /* §3.1: the body is exactly Content-Length bytes */
    if (len - m.hdr_end < m.content_len) {
        return fail(diag, VW_E_SHORT, len);
    }
    if (len - m.hdr_end > m.content_len) {
        return fail(diag, VW_E_TRAILING, m.hdr_end + m.content_len);
    }
    m.body = (struct vw_span){ .p = buf + m.hdr_end, .len = m.content_len };
    if ((r = vw_va_decode_body(&m, diag, m.body, m.hdr_end, m.kind, from, items)) < 0) {
        return r;
    }
    if (lax != NULL && lax->code == 0 && lax_here.code != 0) {
        *lax = lax_here;
    }
    *out = m;
    return 0;
}

/* ---- encoder ---- */

static size_t put(uint8_t *buf, size_t cap, size_t at, const void *p, size_t n) {
    if (buf != NULL && at + n <= cap) {
        memcpy(buf + at, p, n);
    }
    return at + n;
}

static size_t put_str(uint8_t *buf, size_t cap, size_t at, const char *s) {
    return put(buf, cap, at, s, strlen(s));
}

/* write_header writes the sentinel and header of va_http_hdr_init (§3.1); returns its length. */
static size_t write_header(uint8_t *buf, size_t cap, const struct vw_va_msg *m, size_t body) {
    char num[24];
    size_t at = 0;
    uint8_t s = VW_VA_SENTINEL;
    int n = 0;

    at = put(buf, cap, at, &s, 1);
    at = put_str(buf, cap, at, m->kind == VW_VA_REQUEST ? request_line : status_line);
    at = put_str(buf, cap, at, "\r\nContent-Type: text/xml\r\n");
    at = put_str(buf, cap, at, cl_prefix);
    do {
        num[sizeof(num) - 1 - (size_t)n++] = (char)('0' + body % 10);
        body /= 10;
    } while (body != 0);
    at = put(buf, cap, at, num + sizeof(num) - (size_t)n, (size_t)n);
    at = put_str(buf, cap, at, "\r\nX-Virtagent-Client-Tag: ");
    at = put(buf, cap, at, m->tag.p, m->tag.len);
    return put_str(buf, cap, at, "\r\n\r\n");
}

int vw_va_encode(uint8_t *buf, size_t cap, size_t *out_len, const struct vw_va_msg *m,
                 const struct vw_va_item *items, size_t num_items) {
    size_t body, hdr;
    int r;

    if (m->tag.len == 0 || m->tag.len > VW_VA_TAG_MAX) {
        return m->tag.len == 0 ? VW_E_INVALID : VW_E_TOO_LONG;
    }
    for (size_t i = 0; i < m->tag.len; i++) {
        if (m->tag.p[i] < 0x21 || m->tag.p[i] > 0x7e) {
            return VW_E_INVALID;
        }
    }
    if ((r = vw_va_encode_body(NULL, 0, &body, m, items, num_items)) < 0) {
        return r;
    }
    if (body > VW_VA_CONTENT_LEN_MAX) {
        return VW_E_TOO_LONG;
    }
    hdr = write_header(NULL, 0, m, body);
    *out_len = hdr + body;
    if (hdr - 1 > VW_VA_HDR_LEN_MAX) {
        return VW_E_TOO_LONG;
    }
    if (buf == NULL || cap < hdr + body) {
        return VW_E_NOSPACE;
    }
    write_header(buf, cap, m, body);
    return vw_va_encode_body(buf + hdr, cap - hdr, &body, m, items, num_items);
}

/* ---- framer ---- */

enum { ST_START, ST_SKIP, ST_HDR, ST_BODY, ST_DONE };

void vw_va_framer_init(struct vw_va_framer *f) {
    memset(f, 0, sizeof(*f));
    f->state = ST_START;
    f->realloc_fn = realloc;
}

void vw_va_framer_cleanup(struct vw_va_framer *f) {
    free(f->buf);
    f->buf = NULL;
    f->buf_len = f->buf_cap = 0;
}

static int grow(struct vw_va_framer *f, size_t need) {
    size_t cap = f->buf_cap == 0 ? 256 : f->buf_cap;
    uint8_t *p;

    if (need <= f->buf_cap) {
        return 0;
    }
    while (cap < need) {
        cap *= 2;
    }
    cap = cap > VW_VA_MSG_MAX ? VW_VA_MSG_MAX : cap;
    if ((p = f->realloc_fn(f->buf, cap)) == NULL) {
        return VW_E_NOMEM;
    }
    f->buf = p;
    f->buf_cap = cap;
    return 0;
}

/* begin starts a message at the sentinel just consumed. */
static int begin(struct vw_va_framer *f) {
    int r;

    if ((r = grow(f, 1)) < 0) {
        return r;
    }
    f->buf[0] = VW_VA_SENTINEL;
    f->buf_len = 1;
    f->msg_start = f->stream_pos - 1;
    f->state = ST_HDR;
    return 0;
}

/* header_done: the header ends with "\n\r\n" (§3.1 READ_HDR); find its Content-Length. */
static int header_done(struct vw_va_framer *f) {
    size_t off = 0;
    int r = find_content_length(f->buf, f->buf_len, &f->content_len, &off);

    if (r < 0) {
        f->err_offset = f->msg_start + off;
        f->state = ST_SKIP;
        return r;
    }
    f->hdr_end = f->buf_len;
    f->state = f->content_len == 0 ? ST_DONE : ST_BODY;
    return f->content_len == 0 ? 1 : VW_E_AGAIN;
}

int vw_va_feed(struct vw_va_framer *f, const uint8_t *in, size_t in_len, size_t *out_used) {
    size_t used = 0;
    int r;

    *out_used = 0;
    if (f->state < 0) {
        return f->state;  /* sticky VW_E_NOMEM */
    }
    if (f->state == ST_DONE) {
        f->state = ST_START;
        f->buf_len = 0;
    }
    while (used < in_len) {
        uint8_t b = in[used];
        if (f->state == ST_BODY) {
            size_t want = f->hdr_end + f->content_len - f->buf_len;
            size_t take = in_len - used < want ? in_len - used : want;
            if ((r = grow(f, f->buf_len + take)) < 0) {
                f->state = r;
                *out_used = used;
                return r;
            }
            memcpy(f->buf + f->buf_len, in + used, take);
            f->buf_len += take;
            f->stream_pos += take;
            used += take;
            if (f->buf_len == f->hdr_end + f->content_len) {
                f->state = ST_DONE;
                *out_used = used;
                return 1;
            }
            continue;
        }
        used++;
        f->stream_pos++;
        r = VW_E_AGAIN;
        if (f->state == ST_START || f->state == ST_SKIP) {
            if (b == VW_VA_SENTINEL) {
                r = begin(f);
                r = r < 0 ? r : VW_E_AGAIN;
            } else if (f->state == ST_START) {
                /* §3.1 READ_START skips bytes until 0xFF; strictly they are an error */
                f->state = ST_SKIP;
                f->err_offset = f->stream_pos - 1;
                r = VW_E_RESYNC;
            }
        } else if (b == VW_VA_SENTINEL) {
            /* §3.1: a 0xFF inside the header means "truncated header", restart */
            f->err_offset = f->msg_start;
            r = begin(f);
            r = r < 0 ? r : VW_E_RESYNC;
        } else if (f->buf_len - 1 == VW_VA_HDR_LEN_MAX) {
            f->err_offset = f->stream_pos - 1;  /* §3.1 VA_HDR_LEN_MAX */
            f->state = ST_SKIP;
            r = VW_E_TOO_LONG;
        } else if ((r = grow(f, f->buf_len + 1)) == 0) {
            f->buf[f->buf_len++] = b;
            r = VW_E_AGAIN;
            if (f->buf_len >= 4 && memcmp(f->buf + f->buf_len - 3, "\n\r\n", 3) == 0) {
                r = header_done(f);
            }
        }
        if (r == VW_E_NOMEM) {
            f->state = r;
        }
        if (r != VW_E_AGAIN) {
            *out_used = used;
            return r;
        }
    }
    *out_used = used;
    return VW_E_AGAIN;
}

void vw_va_message(const struct vw_va_framer *f, struct vw_span *out) {
    *out = f->state == ST_DONE ? (struct vw_span){ .p = f->buf, .len = f->buf_len }
                               : (struct vw_span){ .p = NULL, .len = 0 };
}

bool vw_va_pending(const struct vw_va_framer *f) {
    return f->state == ST_HDR || f->state == ST_BODY;
}
