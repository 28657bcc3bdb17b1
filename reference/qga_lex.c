/* qga_lex.c -- the byte-fed qemu-ga framer: a lexer after QEMU 7.2 qobject/json-lexer.c and
 * the message boundaries and limits of qobject/json-streamer.c (historic-qemud-openhook-qga.md
 * §3.3).  The rules, and where this framer differs from the agent, are in qga.h. */
#include "qga.h"
#include "planted.h"

#include <stdlib.h>
#include <string.h>

#define BUF_MIN 256

static void *default_realloc(void *p, size_t n) {
    return realloc(p, n);
}

void vw_qga_framer_init(struct vw_qga_framer *f) {
    memset(f, 0, sizeof(*f));
    f->realloc_fn = default_realloc;
    f->token_max = VW_QGA_TOKEN_MAX;
    f->count_max = VW_QGA_TOKEN_COUNT_MAX;
    f->nesting_max = VW_QGA_NESTING_MAX;
    f->state = VW_QGA_LEX_START;
}

void vw_qga_framer_cleanup(struct vw_qga_framer *f) {
    free(f->buf);
    f->buf = NULL;
    f->cap = 0;
    f->len = 0;
}

static void msg_reset(struct vw_qga_framer *f) {
    f->pending = false;
    f->braces = 0;
    f->brackets = 0;
    f->num_tokens = 0;
    f->token_bytes = 0;
    f->tok_len = 0;
    f->sep = false;
    f->len = 0;
    f->overflow = false;
    f->has_sq = false;
    f->has_bad_kw = false;
    f->done = false;
}

static bool in_token(int state) {
    return state >= VW_QGA_LEX_DQ;
}

/* store appends |n| bytes to the message unless the token limit was passed (then they are
 * only counted: the message is bound to fail, and memory stays bounded). */
static int store(struct vw_qga_framer *f, const char *s, size_t n) {
    size_t need = f->len + n + 1;   /* + the terminating NUL jansson does not need but we add */
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_QGA_NUL_ROOM)) {
        need = f->len + n;  /* planted: no room kept for the NUL, and the buffer sized exactly */
    }
#endif

    if (f->overflow) {
        return 0;
    }
    if (need > f->cap) {
        size_t cap = f->cap < BUF_MIN ? BUF_MIN : f->cap;
        uint8_t *nb;
        while (cap < need) {
            cap *= 2;
        }
#if VW_PLANT_BUGS
        cap = vw_planted(VW_PLANT_QGA_NUL_ROOM) ? need : cap;
#endif
        if (cap > VW_QGA_BUF_MAX + 1) {   /* never reached: overflow stops storing first */
            cap = VW_QGA_BUF_MAX + 1;
        }
        if (need > cap || (nb = f->realloc_fn(f->buf, cap)) == NULL) {
            return VW_E_NOMEM;
        }
        f->buf = nb;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, s, n);
    f->len += n;
    return 0;
}

/* count accounts for one input byte of the current token (json-lexer.c appends it to the
 * token); past the limit bytes are no longer stored (json-streamer.c "token_size + len + 1 >
 * MAX_TOKEN_SIZE" will then fail at the end of the token). */
static void count(struct vw_qga_framer *f) {
    f->tok_len++;
    if (f->token_bytes + f->tok_len + 1 > f->token_max) {
        f->overflow = true;
    }
}

static int error(struct vw_qga_framer *f, int code, size_t off, const char *what, int state) {
    f->event = (struct vw_qga_event){
        .kind = VW_QGA_EV_ERROR, .code = code, .offset = off,
        .start = f->pending ? f->msg_start : off, .end = off, .what = what,
    };
    msg_reset(f);
    f->state = state;
    return VW_QGA_EV_ERROR;
}

/* A 0xFF: with nothing pending a sync marker (§3.2 "treated as a flush event", §3.3 the agent
 * prefixes the guest-sync-delimited reply with it); inside a message its bytes are lost. */
static int sync_byte(struct vw_qga_framer *f) {
    if (f->pending) {
        size_t start = f->msg_start;
        (void)error(f, VW_E_RESYNC, start, "0xFF inside an unfinished message", VW_QGA_LEX_START);
        f->event.end = f->pos;
        return VW_QGA_EV_ERROR;
    }
    f->event = (struct vw_qga_event){
        .kind = VW_QGA_EV_SYNC, .offset = f->pos, .start = f->pos, .end = f->pos + 1,
    };
    f->state = VW_QGA_LEX_START;
    return VW_QGA_EV_SYNC;
}

static int syntax(struct vw_qga_framer *f, const char *what) {
    /* json-lexer.c: JSON_ERROR, then IN_RECOVERY; json-streamer.c drops the queued tokens */
    return error(f, VW_E_SYNTAX, f->pos, what, VW_QGA_LEX_RECOVERY);
}

static int tok_begin(struct vw_qga_framer *f, int state, const char *s, size_t n) {
    if (!f->pending) {
        f->pending = true;
        f->msg_start = f->pos;
    }
    f->tok_start = f->pos;
    f->tok_len = 0;
    f->kw_len = 0;
    f->state = state;
    if (f->sep) {               /* "1 2" must not become "12" */
        int r = store(f, " ", 1);
        if (r < 0) {
            return r;
        }
    }
    count(f);
    return store(f, s, n);
}

static bool keyword_ok(const struct vw_qga_framer *f) {
    static const char *const kws[] = { "true", "false", "null" };

    for (size_t i = 0; i < 3; i++) {
        if (f->kw_len == strlen(kws[i]) && memcmp(f->kw, kws[i], f->kw_len) == 0) {
            return true;
        }
    }
    return false;
}

/* tok_end closes the current token ('s' string, 'n' number, 'k' keyword or the structural
 * char itself) whose last byte is before stream offset |end|: json-streamer.c
 * json_message_process_token. */
static int tok_end(struct vw_qga_framer *f, char type, size_t end) {
    size_t at = f->tok_start;

    switch (type) {
    case '{':
        f->braces++;
        break;
    case '}':
        f->braces--;
        break;
    case '[':
        f->brackets++;
        break;
    case ']':
        f->brackets--;
        break;
    case 'k':
        if (!keyword_ok(f) && !f->has_bad_kw) {
            /* json-parser.c: "invalid keyword" -- a parse error of this message */
            f->has_bad_kw = true;
            f->kw_offset = at - f->msg_start;
        }
        break;
    default:
        break;
    }
    f->state = VW_QGA_LEX_START;
    if (f->token_bytes + f->tok_len + 1 > f->token_max) {
        return error(f, VW_E_TOO_LONG, at, "JSON token size limit exceeded (64 MiB per message)",
                     VW_QGA_LEX_START);
    }
    if (f->num_tokens + 1 > f->count_max) {
        return error(f, VW_E_TOO_LONG, at, "JSON token count limit exceeded (2097152)",
                     VW_QGA_LEX_START);
    }
    if (f->braces + f->brackets > f->nesting_max) {
        return error(f, VW_E_NESTING, at, "JSON nesting depth limit exceeded (1024)",
                     VW_QGA_LEX_START);
    }
    f->token_bytes += f->tok_len;
    f->num_tokens++;
    f->sep = type == 'n' || type == 'k';
    if ((f->braces > 0 || f->brackets > 0) && f->braces >= 0 && f->brackets >= 0) {
        return 0;
    }
    f->buf[f->len] = 0;         /* store() always leaves room for it */
    f->event = (struct vw_qga_event){
        .kind = VW_QGA_EV_MESSAGE, .offset = f->msg_start, .start = f->msg_start, .end = end,
    };
    f->done = true;
    return VW_QGA_EV_MESSAGE;
}

static bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

/* One byte |c| at f->pos in the start state: whitespace, a one-byte token or a token start. */
static int lex_start(struct vw_qga_framer *f, uint8_t c) {
    char s[1] = { (char)c };
    int r;

    switch (c) {
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return 0;
    case '{':
    case '}':
    case '[':
    case ']':
    case ':':
    case ',':
        if ((r = tok_begin(f, VW_QGA_LEX_START, s, 1)) < 0) {
            return r;
        }
        return tok_end(f, (char)c, f->pos + 1);
    case '"':
        return tok_begin(f, VW_QGA_LEX_DQ, "\"", 1);
    case '\'':
        /* [QEMU extension] single-quoted string: stored double-quoted, noted */
        if (!f->has_sq) {
            f->sq_offset = f->pending ? f->pos - f->msg_start : 0;
        }
        r = tok_begin(f, VW_QGA_LEX_SQ, "\"", 1);
        f->has_sq = true;
        return r;
    case '-':
        return tok_begin(f, VW_QGA_LEX_NEG, s, 1);
    case '0':
        return tok_begin(f, VW_QGA_LEX_ZERO, s, 1);
    case VW_QGA_SYNC:
        return sync_byte(f);
    default:
        break;
    }
    if (c >= '1' && c <= '9') {
        return tok_begin(f, VW_QGA_LEX_INT, s, 1);
    }
    if (c >= 'a' && c <= 'z') {
        if ((r = tok_begin(f, VW_QGA_LEX_KEYWORD, s, 1)) < 0) {
            return r;
        }
        f->kw[f->kw_len++] = (char)c;
        return 0;
    }
    return syntax(f, c < 0x20 ? "stray control character" : "stray byte");
}

/* Inside a string (|sq|: single-quoted).  json-lexer.c IN_DQ_STRING / IN_SQ_STRING: bytes
 * 0x20..0xFD, a backslash starts an escape. */
static int lex_string(struct vw_qga_framer *f, uint8_t c, bool sq) {
    char s[1] = { (char)c };

    if (c == VW_QGA_SYNC) {
        return sync_byte(f);
    }
    if (c < 0x20 || c == 0xfe) {
        return syntax(f, "control character or 0xFE inside a string");
    }
    count(f);
    if (c == '\\') {            /* stored with the next byte: \' is rewritten */
        f->state = sq ? VW_QGA_LEX_SQ_ESC : VW_QGA_LEX_DQ_ESC;
        return 0;
    }
    if (c == (sq ? '\'' : '"')) {
        int r = store(f, "\"", 1);
        return r < 0 ? r : tok_end(f, 's', f->pos + 1);
    }
    if (sq && c == '"') {
        return store(f, "\\\"", 2);
    }
    return store(f, s, 1);
}

static int lex_escape(struct vw_qga_framer *f, uint8_t c, bool sq) {
    char s[2] = { '\\', (char)c };

    if (c == VW_QGA_SYNC) {
        return sync_byte(f);
    }
    if (c == '\'') {
        /* [QEMU extension] \' is no JSON escape: stored as ', noted */
        if (!f->has_sq) {
            f->has_sq = true;
            f->sq_offset = f->pos - 1 - f->msg_start;
        }
        count(f);
        f->state = sq ? VW_QGA_LEX_SQ : VW_QGA_LEX_DQ;
        return store(f, "'", 1);
    }
    if (c == '\0' || strchr("bfnrt/\\\"u", c) == NULL) {
        return syntax(f, "invalid escape in a string");
    }
    /* \u: json-lexer.c leaves the four hex digits to the parser (jansson checks them) */
    count(f);
    f->state = sq ? VW_QGA_LEX_SQ : VW_QGA_LEX_DQ;
    return store(f, s, 2);
}

/* Numbers (json-lexer.c IN_NEG_NONZERO_NUMBER ... IN_EXP_DIGITS).  A byte that cannot continue
 * a complete number ends it without being consumed (LOOKAHEAD). */
static int lex_number(struct vw_qga_framer *f, uint8_t c, bool *consumed) {
    char s[1] = { (char)c };
    int st = f->state, next = -1;
    bool complete = st == VW_QGA_LEX_ZERO || st == VW_QGA_LEX_INT || st == VW_QGA_LEX_FRAC ||
                    st == VW_QGA_LEX_EXP_DIGITS;

    if (is_digit(c)) {
        switch (st) {
        case VW_QGA_LEX_NEG:
            next = c == '0' ? VW_QGA_LEX_ZERO : VW_QGA_LEX_INT;
            break;
        case VW_QGA_LEX_ZERO:
            return syntax(f, "digit after a leading zero");
        case VW_QGA_LEX_DOT:
            next = VW_QGA_LEX_FRAC;
            break;
        case VW_QGA_LEX_EXP:
        case VW_QGA_LEX_EXP_SIGN:
            next = VW_QGA_LEX_EXP_DIGITS;
            break;
        default:
            next = st;
            break;
        }
    } else if (c == '.' && (st == VW_QGA_LEX_ZERO || st == VW_QGA_LEX_INT)) {
        next = VW_QGA_LEX_DOT;
    } else if ((c == 'e' || c == 'E') &&
               (st == VW_QGA_LEX_ZERO || st == VW_QGA_LEX_INT || st == VW_QGA_LEX_FRAC)) {
        next = VW_QGA_LEX_EXP;
    } else if ((c == '+' || c == '-') && st == VW_QGA_LEX_EXP) {
        next = VW_QGA_LEX_EXP_SIGN;
    }
    if (next >= 0) {
        count(f);
        f->state = next;
        return store(f, s, 1);
    }
    if (complete) {
        *consumed = false;
        return tok_end(f, 'n', f->pos);
    }
    if (c == VW_QGA_SYNC) {
        return sync_byte(f);
    }
    return syntax(f, "malformed number");
}

static int lex_keyword(struct vw_qga_framer *f, uint8_t c, bool *consumed) {
    char s[1] = { (char)c };

    if (c >= 'a' && c <= 'z') {
        count(f);
        if (f->kw_len < sizeof(f->kw)) {
            f->kw[f->kw_len] = (char)c;
        }
        f->kw_len += f->kw_len < sizeof(f->kw);
        return store(f, s, 1);
    }
    *consumed = false;
    return tok_end(f, 'k', f->pos);
}

/* json-lexer.c IN_RECOVERY: skip to a structural char, a control char other than \t, or
 * 0xFE (framed again from there); a 0xFF ends the recovery as a sync marker. */
static int lex_recovery(struct vw_qga_framer *f, uint8_t c, bool *consumed) {
    if (c == VW_QGA_SYNC) {
        return sync_byte(f);
    }
    if ((c < 0x20 && c != '\t') || c == 0xfe || (c != 0 && strchr("[]{}:,", c) != NULL)) {
        *consumed = false;      /* LOOKAHEAD: the start state consumes it */
        f->state = VW_QGA_LEX_START;
    }
    return 0;
}

static int step(struct vw_qga_framer *f, uint8_t c, bool *consumed) {
    int r;

    *consumed = true;
    switch (f->state) {
    case VW_QGA_LEX_START:
        r = lex_start(f, c);
        break;
    case VW_QGA_LEX_RECOVERY:
        r = lex_recovery(f, c, consumed);
        break;
    case VW_QGA_LEX_DQ:
    case VW_QGA_LEX_SQ:
        r = lex_string(f, c, f->state == VW_QGA_LEX_SQ);
        break;
    case VW_QGA_LEX_DQ_ESC:
    case VW_QGA_LEX_SQ_ESC:
        r = lex_escape(f, c, f->state == VW_QGA_LEX_SQ_ESC);
        break;
    case VW_QGA_LEX_KEYWORD:
        r = lex_keyword(f, c, consumed);
        break;
    default:
        r = lex_number(f, c, consumed);
        break;
    }
    if (r == 0 && in_token(f->state) && f->tok_len > f->token_max) {
        /* json-lexer.c: a token over MAX_TOKEN_SIZE is handed on unfinished, the streamer
         * fails it, and lexing restarts in the start state with the next byte */
        return error(f, VW_E_TOO_LONG, f->tok_start, "JSON token over 64 MiB",
                     VW_QGA_LEX_START);
    }
    return r;
}

int vw_qga_feed(struct vw_qga_framer *f, const uint8_t *p, size_t len, size_t *used) {
    size_t i = 0;

    if (f->done) {
        msg_reset(f);
    }
    while (i < len) {
        bool consumed;
        int r = step(f, p[i], &consumed);
        if (consumed) {
            i++;
            f->pos++;
        }
        if (r == VW_E_NOMEM) {
            /* the pending message is lost; go on as after a lexical error */
            msg_reset(f);
            f->state = VW_QGA_LEX_RECOVERY;
        }
        if (r != 0) {
            *used = i;
            return r;
        }
    }
    *used = i;
    return VW_E_AGAIN;
}

void vw_qga_frame(const struct vw_qga_framer *f, struct vw_qga_frame *out) {
    *out = (struct vw_qga_frame){
        .p = f->buf, .len = f->len, .start = f->event.start, .end = f->event.end,
        .num_tokens = f->num_tokens, .sq_offset = f->sq_offset, .has_sq = f->has_sq,
        .kw_offset = f->kw_offset, .has_bad_kw = f->has_bad_kw,
    };
}

bool vw_qga_pending(const struct vw_qga_framer *f) {
    return !f->done && (f->pending || in_token(f->state));
}
