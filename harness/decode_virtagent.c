/* decode_virtagent.c -- `virtwire decode --protocol virtagent [--from client|server]`: the
 * byte stream one virtagent peer sends (historic-qemud-openhook-qga.md §3.1).
 *
 * Both peers send requests and responses, so --from names whose stream it is: `client` is the
 * host (QEMU, the side that drives the agent: its requests must be guest-side methods, its
 * responses answer the guest's host-side requests), `server` is the guest agent (qemu-va: its
 * requests must be host-side methods).  Without --from the methods of both sides are allowed.
 *
 * One line per message: `#N @OFFSET len=L: request va.getfile ("/etc/hostname")`,
 * `response "dummy"`, `fault 1 "open failed"`.  A framing error (bytes outside a message, a
 * 0xFF inside a header, a header over 4096 bytes, a bad Content-Length) is reported with its
 * stream offset and the stream resynchronises at the next 0xFF, so later messages are still
 * decoded and printed; it counts as invalid but not as a message.  Memory: the framer's buffer
 * grows with the bytes received up to one message (VW_VA_MSG_MAX) and one item array. */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "pump.h"
#include "virtagent.h"
#include "xdr.h"

#define LINE_MAX_CHARS 400   /* characters of values shown on one line */
#define STRING_SHOWN 64      /* characters of one string shown */

struct stream_state {
    const struct vw_decode_opts *opts;
    int from;
    struct vw_va_framer framer;
    struct vw_va_items items;
    int event;               /* 0: a message is complete; < 0: a framing error */
    size_t num_msgs;
    int num_invalid;
};

struct sb {
    char buf[LINE_MAX_CHARS + 8];
    size_t len;
    bool cut;
};

static void sb_add(struct sb *s, const char *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s->len == LINE_MAX_CHARS) {
            s->cut = true;
            return;
        }
        s->buf[s->len++] = p[i];
    }
}

static void sb_str(struct sb *s, const char *p) {
    sb_add(s, p, strlen(p));
}

/* sb_quoted adds the characters of |t| as a C-quoted string, at most STRING_SHOWN of them. */
static void sb_quoted(struct sb *s, struct vw_span t, bool raw) {
    uint8_t chars[STRING_SHOWN * 4];
    size_t n = vw_va_text(t, raw, chars, sizeof(chars));
    size_t shown = n < STRING_SHOWN ? n : STRING_SHOWN;
    char esc[8];

    sb_str(s, "\"");
    for (size_t i = 0; i < shown; i++) {
        uint8_t c = chars[i];
        if (c == '"' || c == '\\') {
            snprintf(esc, sizeof(esc), "\\%c", c);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\r' ? 'r' : 't');
        } else if (c < 0x20 || c >= 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
        } else {
            esc[0] = (char)c, esc[1] = 0;
        }
        sb_str(s, esc);
    }
    sb_str(s, n > shown ? "\"..." : "\"");
}

/* sb_value adds the value at items[*i] and its children. */
static void sb_value(struct sb *s, const struct vw_va_item *items, size_t n, size_t *i) {
    const struct vw_va_item *it;
    char num[48];

    if (*i >= n) {
        return;
    }
    it = &items[(*i)++];
    switch (it->type) {
    case VW_VA_INT:
        snprintf(num, sizeof(num), "%lld", (long long)it->i);
        sb_str(s, num);
        break;
    case VW_VA_BOOL:
        sb_str(s, it->i != 0 ? "true" : "false");
        break;
    case VW_VA_STRING:
        sb_quoted(s, it->text, it->raw);
        break;
    case VW_VA_DOUBLE:
        sb_add(s, (const char *)it->text.p, it->text.len);
        break;
    case VW_VA_DATETIME:
        sb_str(s, "dateTime(");
        sb_add(s, (const char *)it->text.p, it->text.len);
        sb_str(s, ")");
        break;
    case VW_VA_BASE64: {
        size_t chars = 0, pad = 0;
        for (size_t k = 0; k < it->text.len; k++) {
            uint8_t c = it->text.p[k];
            chars += c != ' ' && c != '\t' && c != '\r' && c != '\n';
            pad += c == '=';
        }
        snprintf(num, sizeof(num), "base64(%zu bytes)", chars / 4 * 3 - pad);
        sb_str(s, num);
        break;
    }
    case VW_VA_STRUCT:
        sb_str(s, "{");
        for (uint32_t k = 0; k < it->num && *i < n; k++) {
            uint8_t name[64];
            size_t len = vw_va_text(items[*i].text, items[*i].raw, name, sizeof(name));
            sb_str(s, k == 0 ? "" : ", ");
            sb_add(s, (const char *)name, len < sizeof(name) ? len : sizeof(name));
            sb_str(s, ": ");
            (*i)++;
            sb_value(s, items, n, i);
        }
        sb_str(s, "}");
        break;
    case VW_VA_ARRAY:
        sb_str(s, "[");
        for (uint32_t k = 0; k < it->num; k++) {
            sb_str(s, k == 0 ? "" : ", ");
            sb_value(s, items, n, i);
        }
        sb_str(s, "]");
        break;
    default:
        sb_str(s, "?");
    }
}

static void print_message(struct stream_state *st, const struct vw_va_msg *m, size_t len) {
    FILE *out = st->opts->out;
    const struct vw_va_item *items = st->items.items + m->first_item;
    struct sb s = { .len = 0 };
    size_t i = 0;

    if (m->kind == VW_VA_REQUEST) {
        sb_str(&s, "(");
        for (uint32_t k = 0; k < m->num_params; k++) {
            sb_str(&s, k == 0 ? "" : ", ");
            sb_value(&s, items, m->num_items, &i);
        }
        sb_str(&s, ")");
    } else if (m->kind == VW_VA_RESPONSE) {
        sb_value(&s, items, m->num_items, &i);
    } else {
        sb_quoted(&s, m->fault_string, true);
    }
    if (st->items.overflow) {
        s.cut = true;
    }
    fprintf(out, "#%zu @%zu len=%zu: ", st->num_msgs, st->framer.msg_start, len);
    if (m->kind == VW_VA_REQUEST) {
        fprintf(out, "request %s ", m->method->name);
    } else if (m->kind == VW_VA_RESPONSE) {
        fputs("response ", out);
    } else {
        fprintf(out, "fault %d ", (int)m->fault_code);
    }
    fwrite(s.buf, 1, s.len, out);
    fputs(s.cut ? "...\n" : "\n", out);
    if (st->opts->verbose) {
        fprintf(out, "    tag = \"%.*s\"\n    content_length = %u\n    body @%zu\n",
                (int)m->tag.len, (const char *)m->tag.p, (unsigned)m->content_len, m->hdr_end);
        for (size_t k = 0; k < m->num_items; k++) {
            static const char *const names[] = { "?", "int", "boolean", "string", "double",
                                                 "dateTime.iso8601", "base64", "struct",
                                                 "member", "array" };
            fprintf(out, "    %*s%s @%zu\n", (int)(2 * items[k].depth), "",
                    names[items[k].type], items[k].offset);
        }
    }
}

static void on_message(struct stream_state *st) {
    const struct vw_decode_opts *o = st->opts;
    struct vw_diag diag = { 0 }, lax = { 0 };
    struct vw_va_msg m;
    struct vw_span msg;
    int r;

    if (st->event < 0) {
        fprintf(o->err,
                "virtwire: stream offset %zu: framing error %s at stream offset %zu: %s; "
                "skipping to the next 0xFF\n",
                st->framer.err_offset, vw_err_name(st->event), st->framer.err_offset,
                vw_err_text(st->event));
        st->num_invalid++;
        return;
    }
    vw_va_message(&st->framer, &msg);
    st->items.num = 0;
    st->items.overflow = false;
    r = vw_va_decode(&m, &diag, &lax, msg.p, msg.len, st->from, o->flags, &st->items);
    if (r < 0) {
        vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &diag,
                         "invalid message:");
        st->num_invalid++;
    } else {
        print_message(st, &m, msg.len);
        if (lax.code != 0) {
            vw_decode_report(o->err, "message", st->num_msgs, st->framer.msg_start, &lax,
                             "accepted non-canonical");
        }
    }
    st->num_msgs++;
}

static int feed_message(void *ctx, const uint8_t *p, size_t len, size_t *used) {
    struct stream_state *st = ctx;
    int r = vw_va_feed(&st->framer, p, len, used);

    if (r == 1 || (r < 0 && r != VW_E_AGAIN && r != VW_E_NOMEM)) {
        st->event = r == 1 ? 0 : r;  /* framing errors are events: the stream goes on */
        return 1;
    }
    return r;
}

static void on_message_ctx(void *ctx) {
    on_message(ctx);
}

int vw_decode_virtagent(int fd, const struct vw_decode_opts *opts) {
    struct stream_state *st;
    int rc = 0, r;

    if ((st = calloc(1, sizeof(*st))) == NULL) {
        return -1;
    }
    st->items.cap = VW_VA_ITEMS_MAX;
    if ((st->items.items = calloc(st->items.cap, sizeof(*st->items.items))) == NULL) {
        free(st);
        return -1;
    }
    st->opts = opts;
    st->from = opts->from == VW_FROM_CLIENT   ? VW_VA_FROM_HOST
               : opts->from == VW_FROM_SERVER ? VW_VA_FROM_GUEST
                                              : VW_VA_FROM_ANY;
    vw_va_framer_init(&st->framer);
    if (vw_decode_pump(fd, opts->err, feed_message, on_message_ctx, st, &r) < 0) {
        rc = -1;
        goto cleanup;
    }
    if (r < 0) {
        fprintf(opts->err, "virtwire: stream offset %zu: %s: %s\n", st->framer.stream_pos,
                vw_err_name(r), vw_err_text(r));
        st->num_invalid++;
    } else if (vw_va_pending(&st->framer)) {
        vw_decode_report_pending(opts->err, "message", st->num_msgs, st->framer.msg_start,
                                 st->framer.stream_pos);
        st->num_invalid++;
    }
    fprintf(opts->out, "%zu messages, %d invalid\n", st->num_msgs, st->num_invalid);
    rc = st->num_invalid;
cleanup:
    vw_va_framer_cleanup(&st->framer);
    free(st->items.items);
    free(st);
    return rc;
}
