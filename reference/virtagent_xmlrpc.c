/* virtagent_xmlrpc.c -- the XML-RPC body of a virtagent message (historic-qemud-openhook-qga.md
 * §3.1): a strict parser of our own for the XML subset XML-RPC uses, the method schema of
 * §3.1, and the body encoder.
 *
 * Why not libxml2: a parser of our own gives the exact byte offset of every error, allocates
 * nothing (memory is the caller's item array) and cannot load a DTD or an entity.
 *
 * XML accepted (XML 1.0 subset; each deviation is VW_E_SYNTAX):
 *   - an optional declaration at byte 0: <?xml version="1.0" [encoding="UTF-8"]
 *     [standalone="yes|no"]?> (single quotes too; encoding UTF-8 only);
 *   - whitespace between elements; [no comments, processing instructions, CDATA or DOCTYPE:
 *     a DOCTYPE is what a billion-laughs or external-entity attack needs];
 *   - elements without attributes (XML-RPC defines none), <x/> for an empty one;
 *   - character data in valid UTF-8 of XML Chars, with the references &lt; &gt; &amp; &quot;
 *     &apos; &#N; &#xH; (each an XML Char); no "]]>".
 * XML-RPC (the layout the facts cite, §3.1 "follows the XML-RPC spec via xmlrpc-c"):
 *   methodCall     <methodName>NAME</methodName> <params> <param><value/></param>* </params>
 *   methodResponse <params> exactly one <param> </params>  or  <fault><value/></fault>
 *   value          bare text (a string) or one of i4 int boolean string double
 *                  dateTime.iso8601 base64 struct array (else VW_E_TYPE)
 *   struct         <member><name>TEXT</name><value/></member>*
 *   array          <data> <value/>* </data>
 * Errors: VW_E_SYNTAX not well-formed or a scalar that does not parse ([strict] i4/int
 * -?[1-9][0-9]*|0, boolean 0|1, double -?D+[.D+], dateTime YYYYMMDDTHH:MM:SS, base64 with
 * whitespace allowed and '=' only at the end, method names of A-Z a-z 0-9 _ . : /);
 * VW_E_RANGE an int outside int32; VW_E_MEMBER an element missing or not allowed here, a param
 * too many or missing, a schema struct member unknown, repeated or missing; VW_E_TYPE a value
 * of a type the method does not take or return; VW_E_ENUM va.shutdown's mode outside
 * halt|powerdown|reboot; VW_E_NESTING struct/array deeper than VW_VA_NESTING_MAX;
 * VW_E_UNKNOWN_PROC a method §3.1 does not name, or that the receiving peer does not serve;
 * VW_E_MSG_TYPE the root element does not match the first line; VW_E_TRAILING bytes after the
 * root element.
 *
 * Responses carry no method name and a stream holds one peer's side only, so they are not
 * paired with requests: a response must hold exactly one value whose form is the return form
 * of some method the sending peer serves; a fault exactly {faultCode: int, faultString:
 * string}. */
#include "virtagent.h"

#include <string.h>

/* §3.1 methods: guest-side RPCs (server in qemu-va) and host-side RPCs (server in QEMU);
 * system.listMethods is xmlrpc-c's built-in, present in both registries. */
#define HOST (1u << VW_VA_FROM_HOST)
#define GUEST (1u << VW_VA_FROM_GUEST)
static const struct vw_va_method methods[] = {
    { "va.getfile", GUEST, 1, { VW_VA_F_STRING }, VW_VA_F_BASE64 },
    { "va.getdmesg", GUEST, 0, { 0 }, VW_VA_F_STRING },
    { "va.shutdown", GUEST, 1, { VW_VA_F_MODE }, VW_VA_F_STRING },
    { "va.ping", GUEST | HOST, 0, { 0 }, VW_VA_F_STRING },
    { "va.capabilities", GUEST | HOST, 0, { 0 }, VW_VA_F_CAPS },
    /* [UNCONFIRMED: §3.1 gives no params or return for va.hello; taken as () -> string] */
    { "va.hello", HOST, 0, { 0 }, VW_VA_F_STRING },
    { "system.listMethods", GUEST | HOST, 0, { 0 }, VW_VA_F_STRARRAY },
};
#define NUM_METHODS (sizeof(methods) / sizeof(methods[0]))

const struct vw_va_method *vw_va_methods(size_t *out_num) {
    *out_num = NUM_METHODS;
    return methods;
}

const struct vw_va_method *vw_va_method_find(const uint8_t *name, size_t len) {
    for (size_t i = 0; i < NUM_METHODS; i++) {
        if (strlen(methods[i].name) == len && memcmp(methods[i].name, name, len) == 0) {
            return &methods[i];
        }
    }
    return NULL;
}

/* served_by: the peer whose server receives a request in the stream of |from|. */
static unsigned receiver(int from) {
    return from == VW_VA_FROM_HOST ? GUEST : from == VW_VA_FROM_GUEST ? HOST : HOST | GUEST;
}

/* ---- the XML reader ---- */

struct px {
    const uint8_t *p;
    size_t len, pos;
    size_t base;                 /* message offset of p[0] */
    struct vw_diag *diag;
    struct vw_va_items *items;
};

struct tag {
    size_t at;                   /* body offset of '<' */
    bool end, empty;             /* </x>, <x/> */
    const uint8_t *name;
    size_t name_len;
};

static int fail(struct px *x, int code, size_t pos, const char *field) {
    if (x->diag != NULL) {
        vw_diag_set(x->diag, code, x->base + pos);
        vw_diag_field(x->diag, field);
    }
    return code;
}

static bool is_ws(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void skip_ws(struct px *x) {
    while (x->pos < x->len && is_ws(x->p[x->pos])) {
        x->pos++;
    }
}

static bool name_char(uint8_t c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && ((c >= '0' && c <= '9') || c == '.' || c == '-'));
}

/* read_tag reads <name>, </name> or <name/> at x->pos. */
static int read_tag(struct px *x, struct tag *t) {
    size_t i = x->pos;

    memset(t, 0, sizeof(*t));
    t->at = i;
    if (i >= x->len) {
        return fail(x, VW_E_SYNTAX, i, "xml");  /* the document ends early */
    }
    if (x->p[i] != '<') {
        return fail(x, VW_E_SYNTAX, i, "xml");  /* text where an element belongs */
    }
    i++;
    if (i < x->len && (x->p[i] == '!' || x->p[i] == '?')) {
        /* [strict]: no comment, CDATA, DOCTYPE or processing instruction */
        return fail(x, VW_E_SYNTAX, t->at, "xml");
    }
    if (i < x->len && x->p[i] == '/') {
        t->end = true;
        i++;
    }
    t->name = x->p + i;
    while (i < x->len && name_char(x->p[i], i == (size_t)(t->name - x->p))) {
        i++;
    }
    t->name_len = (size_t)(x->p + i - t->name);
    if (t->name_len == 0) {
        return fail(x, VW_E_SYNTAX, i, "xml");
    }
    while (i < x->len && is_ws(x->p[i])) {
        i++;
    }
    if (!t->end && i + 1 < x->len && x->p[i] == '/' && x->p[i + 1] == '>') {
        t->empty = true;
        i++;
    }
    if (i >= x->len || x->p[i] != '>') {
        return fail(x, VW_E_SYNTAX, i, "xml");  /* [strict]: no attributes */
    }
    x->pos = i + 1;
    return 0;
}

static bool tag_is(const struct tag *t, const char *name) {
    return strlen(name) == t->name_len && memcmp(t->name, name, t->name_len) == 0;
}

/* open_el reads the start tag <name> (whitespace before it skipped). */
static int open_el(struct px *x, const char *name, bool *empty) {
    struct tag t;
    int r;

    skip_ws(x);
    if ((r = read_tag(x, &t)) < 0) {
        return r;
    }
    if (t.end || !tag_is(&t, name)) {
        return fail(x, VW_E_MEMBER, t.at, name);  /* required element missing */
    }
    *empty = t.empty;
    return 0;
}

/* close_el reads the end tag </name>, unless the start tag was empty. */
static int close_el(struct px *x, const char *name, bool empty) {
    struct tag t;
    int r;

    if (empty) {
        return 0;
    }
    skip_ws(x);
    if ((r = read_tag(x, &t)) < 0) {
        return r;
    }
    if (!t.end) {
        return fail(x, VW_E_MEMBER, t.at, name);  /* an element not allowed here */
    }
    if (!tag_is(&t, name)) {
        return fail(x, VW_E_SYNTAX, t.at, name);  /* mismatched end tag */
    }
    return 0;
}

/* peek_tag reads the next tag after whitespace without consuming it. */
static int peek_tag(struct px *x, struct tag *t) {
    size_t save = x->pos;
    int r;

    skip_ws(x);
    r = read_tag(x, t);
    x->pos = save;
    return r;
}

/* xml_char: XML 1.0 Char production. */
static bool xml_char(uint32_t c) {
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
           (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* utf8_next decodes one UTF-8 sequence at p[i] (shortest form only); returns its length or
 * 0 when invalid. */
static size_t utf8_next(const uint8_t *p, size_t n, size_t i, uint32_t *out) {
    uint8_t b = p[i];
    size_t k;
    uint32_t c, min;

    if (b < 0x80) {
        *out = b;
        return 1;
    } else if ((b & 0xe0) == 0xc0) {
        k = 2, c = b & 0x1f, min = 0x80;
    } else if ((b & 0xf0) == 0xe0) {
        k = 3, c = b & 0x0f, min = 0x800;
    } else if ((b & 0xf8) == 0xf0) {
        k = 4, c = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n - i < k) {
        return 0;
    }
    for (size_t j = 1; j < k; j++) {
        if ((p[i + j] & 0xc0) != 0x80) {
            return 0;
        }
        c = c << 6 | (p[i + j] & 0x3f);
    }
    if (c < min || (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
        return 0;
    }
    *out = c;
    return k;
}

/* reference parses the reference at p[i] ('&'); returns its length, 0 when invalid. */
static size_t reference(const uint8_t *p, size_t n, size_t i, uint32_t *out) {
    static const struct { const char *s; uint32_t c; } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' }, { "&apos;", '\'' },
    };
    size_t j = i + 2;
    uint32_t c = 0;
    bool hex;

    for (size_t k = 0; k < sizeof(named) / sizeof(named[0]); k++) {
        size_t l = strlen(named[k].s);
        if (n - i >= l && memcmp(p + i, named[k].s, l) == 0) {
            *out = named[k].c;
            return l;
        }
    }
    if (n - i < 4 || p[i + 1] != '#') {
        return 0;
    }
    hex = p[j] == 'x';
    j += hex ? 1 : 0;
    size_t digits = j;
    for (; j < n && p[j] != ';'; j++) {
        uint32_t d;
        if (p[j] >= '0' && p[j] <= '9') {
            d = (uint32_t)(p[j] - '0');
        } else if (hex && (p[j] | 0x20) >= 'a' && (p[j] | 0x20) <= 'f') {
            d = (uint32_t)((p[j] | 0x20) - 'a' + 10);
        } else {
            return 0;
        }
        c = c * (hex ? 16 : 10) + d;
        if (c > 0x10ffff) {
            return 0;
        }
    }
    if (j == n || j == digits || !xml_char(c)) {
        return 0;
    }
    *out = c;
    return j + 1 - i;
}

/* read_text reads character data up to the next '<' and checks it; |*has_data| says whether it
 * holds anything but whitespace. */
static int read_text(struct px *x, struct vw_span *out, bool *has_data) {
    size_t i = x->pos;

    *has_data = false;
    while (i < x->len && x->p[i] != '<') {
        uint32_t c;
        size_t k;
        if (x->p[i] == '&') {
            k = reference(x->p, x->len, i, &c);
        } else if (x->p[i] == '>' && i >= 2 && x->p[i - 1] == ']' && x->p[i - 2] == ']') {
            k = 0;  /* XML 1.0 §2.4: "]]>" may not appear in content */
        } else if ((k = utf8_next(x->p, x->len, i, &c)) != 0 && !xml_char(c)) {
            k = 0;
        }
        if (k == 0) {
            return fail(x, VW_E_SYNTAX, i, "text");
        }
        *has_data = *has_data || !is_ws(x->p[i]);
        i += k;
    }
    *out = (struct vw_span){ .p = x->p + x->pos, .len = i - x->pos };
    x->pos = i;
    return 0;
}

/* text_element reads the character data of an element whose start tag was just read. */
static int text_element(struct px *x, const char *name, bool empty, struct vw_span *out) {
    bool data;
    int r;

    *out = (struct vw_span){ .p = x->p + x->pos, .len = 0 };
    if (empty) {
        return 0;
    }
    if ((r = read_text(x, out, &data)) < 0) {
        return r;
    }
    return close_el(x, name, false);
}

/* ---- characters of a text (references expanded, line ends normalised) ---- */

/* text_next yields the next character of |t| at |*i| as UTF-8 bytes in |out|. */
static size_t text_next(struct vw_span t, bool raw, size_t *i, uint8_t out[4]) {
    uint32_t c;
    size_t k;

    if (!raw) {
        out[0] = t.p[(*i)++];
        return 1;
    }
    if (t.p[*i] == '&' && (k = reference(t.p, t.len, *i, &c)) != 0) {
        *i += k;  /* (an invalid reference, never in checked text, is kept as it is) */
    } else if (t.p[*i] == '\r') {
        /* XML 1.0 §2.11: CR LF and a lone CR are read as LF */
        *i += *i + 1 < t.len && t.p[*i + 1] == '\n' ? 2 : 1;
        out[0] = '\n';
        return 1;
    } else {
        out[0] = t.p[(*i)++];
        return 1;
    }
    if (c < 0x80) {
        out[0] = (uint8_t)c;
        return 1;
    } else if (c < 0x800) {
        out[0] = (uint8_t)(0xc0 | c >> 6), out[1] = (uint8_t)(0x80 | (c & 0x3f));
        return 2;
    } else if (c < 0x10000) {
        out[0] = (uint8_t)(0xe0 | c >> 12), out[1] = (uint8_t)(0x80 | (c >> 6 & 0x3f));
        out[2] = (uint8_t)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | c >> 18), out[1] = (uint8_t)(0x80 | (c >> 12 & 0x3f));
    out[2] = (uint8_t)(0x80 | (c >> 6 & 0x3f)), out[3] = (uint8_t)(0x80 | (c & 0x3f));
    return 4;
}

size_t vw_va_text(struct vw_span text, bool raw, uint8_t *out, size_t cap) {
    size_t n = 0, i = 0;

    while (i < text.len) {
        uint8_t ch[4];
        size_t k = text_next(text, raw, &i, ch);
        for (size_t j = 0; j < k; j++, n++) {
            if (n < cap) {
                out[n] = ch[j];
            }
        }
    }
    return n;
}

static bool text_is(struct vw_span t, const char *s) {
    uint8_t buf[32];
    size_t n = vw_va_text(t, true, buf, sizeof(buf));
    return n == strlen(s) && n <= sizeof(buf) && memcmp(buf, s, n) == 0;
}

static bool span_eq(struct vw_span t, const char *s) {
    return t.len == strlen(s) && memcmp(t.p, s, t.len) == 0;
}

/* ---- values ---- */

static void add_item(struct px *x, const struct vw_va_item *it, size_t *out_index) {
    struct vw_va_items *c = x->items;

    *out_index = SIZE_MAX;
    if (c == NULL) {
        return;
    }
    if (c->num == c->cap) {
        c->overflow = true;
        return;
    }
    *out_index = c->num;
    c->items[c->num++] = *it;
}

static bool all_digits(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return false;
        }
    }
    return n > 0;
}

/* check_scalar checks the text |t| (at body offset |at|) of a scalar of |type|; sets it->i. */
static int check_scalar(struct px *x, int type, struct vw_span t, size_t at,
                        struct vw_va_item *it) {
    const uint8_t *p = t.p;
    size_t n = t.len, k = 0;

    switch (type) {
    case VW_VA_INT: {
        bool neg = n > 0 && p[0] == '-';
        int64_t v = 0;
        /* [strict] what xmlrpc-c's writer sends: -?[1-9][0-9]*|0, no '+', no blanks */
        if (!all_digits(p + neg, n - neg) || (n - neg > 1 && p[neg] == '0') ||
            (neg && n == 2 && p[1] == '0')) {
            return fail(x, VW_E_SYNTAX, at, "i4");
        }
        if (n - neg > 10) {
            return fail(x, VW_E_RANGE, at, "i4");
        }
        for (size_t i = neg; i < n; i++) {
            v = v * 10 + (p[i] - '0');
        }
        v = neg ? -v : v;
        if (v < INT32_MIN || v > INT32_MAX) {  /* XML-RPC i4: a 32-bit signed integer */
            return fail(x, VW_E_RANGE, at, "i4");
        }
        it->i = v;
        return 0;
    }
    case VW_VA_BOOL:
        if (n != 1 || (p[0] != '0' && p[0] != '1')) {
            return fail(x, VW_E_SYNTAX, at, "boolean");
        }
        it->i = p[0] - '0';
        return 0;
    case VW_VA_DOUBLE:
        k = n > 0 && p[0] == '-' ? 1 : 0;
        while (k < n && p[k] >= '0' && p[k] <= '9') {
            k++;
        }
        if (k == (n > 0 && p[0] == '-' ? 1u : 0u) ||
            (k < n && (p[k] != '.' || !all_digits(p + k + 1, n - k - 1)))) {
            return fail(x, VW_E_SYNTAX, at, "double");
        }
        return 0;
    case VW_VA_DATETIME: {
        /* XML-RPC: 19980717T14:08:55 */
        static const char shape[] = "DDDDDDDDTDD:DD:DD";
        for (k = 0; k < n && k < sizeof(shape) - 1; k++) {
            if (shape[k] == 'D' ? (p[k] < '0' || p[k] > '9') : p[k] != (uint8_t)shape[k]) {
                break;
            }
        }
        if (n != sizeof(shape) - 1 || k != n) {
            return fail(x, VW_E_SYNTAX, at, "dateTime.iso8601");
        }
        int mon = (p[4] - '0') * 10 + p[5] - '0', day = (p[6] - '0') * 10 + p[7] - '0';
        int hh = (p[9] - '0') * 10 + p[10] - '0', mm = (p[12] - '0') * 10 + p[13] - '0';
        int ss = (p[15] - '0') * 10 + p[16] - '0';
        if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) {
            return fail(x, VW_E_SYNTAX, at, "dateTime.iso8601");
        }
        return 0;
    }
    case VW_VA_BASE64: {
        size_t chars = 0, pad = 0;
        for (k = 0; k < n; k++) {
            uint8_t c = p[k];
            if (is_ws(c)) {
                continue;  /* xmlrpc-c breaks base64 into lines */
            }
            if (c == '=') {
                pad++;
            } else if (pad != 0 || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                     (c >= '0' && c <= '9') || c == '+' || c == '/')) {
                return fail(x, VW_E_SYNTAX, at, "base64");
            }
            chars++;
        }
        if (chars % 4 != 0 || pad > 2) {
            return fail(x, VW_E_SYNTAX, at, "base64");
        }
        return 0;
    }
    default:
        return 0;
    }
}

static const struct { const char *tag; int type; unsigned form; } types[] = {
    { "i4", VW_VA_INT, VW_VA_F_INT },
    { "int", VW_VA_INT, VW_VA_F_INT },
    { "boolean", VW_VA_BOOL, VW_VA_F_BOOL },
    { "string", VW_VA_STRING, VW_VA_F_STRING | VW_VA_F_MODE },
    { "double", VW_VA_DOUBLE, VW_VA_F_DOUBLE },
    { "dateTime.iso8601", VW_VA_DATETIME, VW_VA_F_DATETIME },
    { "base64", VW_VA_BASE64, VW_VA_F_BASE64 },
    { "struct", VW_VA_STRUCT, VW_VA_F_STRUCT | VW_VA_F_CAPS | VW_VA_F_FAULT },
    { "array", VW_VA_ARRAY, VW_VA_F_ARRAY | VW_VA_F_STRARRAY },
};

static int value(struct px *x, unsigned depth, unsigned mask);

/* struct_body reads the members of a <struct> (start tag read) under |mask|: CAPS and FAULT
 * give each member name a form; otherwise any member is allowed. */
static int struct_body(struct px *x, unsigned depth, unsigned mask, size_t index,
                       struct vw_va_item *it, bool empty_struct) {
    static const char *const caps[2] = { "version", "methods" };
    static const unsigned caps_form[2] = { VW_VA_F_STRING, VW_VA_F_STRARRAY };
    static const char *const fault[2] = { "faultCode", "faultString" };
    static const unsigned fault_form[2] = { VW_VA_F_INT, VW_VA_F_STRING };
    const char *const *names = (mask & VW_VA_F_CAPS) != 0    ? caps
                               : (mask & VW_VA_F_FAULT) != 0 ? fault
                                                             : NULL;
    const unsigned *forms = names == caps ? caps_form : fault_form;
    unsigned seen = 0;
    struct tag t;
    int r;

    t.at = x->pos;
    while (!empty_struct) {
        bool empty;
        struct vw_span name;
        size_t at, mi;
        unsigned form = VW_VA_F_ANY;

        if ((r = peek_tag(x, &t)) < 0) {
            return r;
        }
        if (t.end) {
            break;
        }
        at = t.at;
        if ((r = open_el(x, "member", &empty)) < 0 || (r = open_el(x, "name", &empty)) < 0 ||
            (r = text_element(x, "name", empty, &name)) < 0) {
            return r;
        }
        if (names != NULL) {
            int k = text_is(name, names[0]) ? 0 : text_is(name, names[1]) ? 1 : -1;
            if (k < 0 || (seen & (1u << k)) != 0) {
                return fail(x, VW_E_MEMBER, at, "member");  /* unknown or repeated */
            }
            seen |= 1u << k;
            form = forms[k];
        }
        struct vw_va_item m = { .type = VW_VA_MEMBER, .depth = depth + 1, .offset = x->base + at,
                                .text = name, .raw = true };
        add_item(x, &m, &mi);
        if ((r = value(x, depth + 1, form)) < 0 || (r = close_el(x, "member", false)) < 0) {
            return r;
        }
        it->num++;
    }
    if (names != NULL && seen != 3) {
        return fail(x, VW_E_MEMBER, t.at, names[seen & 1 ? 1 : 0]);  /* a member missing */
    }
    if (index != SIZE_MAX) {
        x->items->items[index].num = it->num;
    }
    return 0;
}

/* array_body reads the <data> of an <array> (start tag read) under |mask|. */
static int array_body(struct px *x, unsigned depth, unsigned mask, size_t index,
                      struct vw_va_item *it) {
    unsigned form = (mask & VW_VA_F_STRARRAY) != 0 ? VW_VA_F_STRING : VW_VA_F_ANY;
    struct tag t;
    bool empty;
    int r;

    if ((r = open_el(x, "data", &empty)) < 0) {
        return r;
    }
    while (!empty) {
        if ((r = peek_tag(x, &t)) < 0) {
            return r;
        }
        if (t.end) {
            break;
        }
        if ((r = value(x, depth + 1, form)) < 0) {
            return r;
        }
        it->num++;
    }
    if ((r = close_el(x, "data", empty)) < 0) {
        return r;
    }
    if (index != SIZE_MAX) {
        x->items->items[index].num = it->num;
    }
    return 0;
}

/* value reads <value>...</value> of nesting |depth| whose form must be in |mask|. */
static int value(struct px *x, unsigned depth, unsigned mask) {
    struct vw_va_item it = { .depth = depth, .raw = true };
    struct vw_span text;
    struct tag t;
    bool empty, data = false, type_err = false;
    size_t index, at;
    int r, k;

    skip_ws(x);
    at = x->pos;
    it.offset = x->base + at;
    if (depth > VW_VA_NESTING_MAX) {
        return fail(x, VW_E_NESTING, at, "value");
    }
    if ((r = open_el(x, "value", &empty)) < 0) {
        return r;
    }
    text = (struct vw_span){ .p = x->p + x->pos, .len = 0 };
    if (!empty && (r = read_text(x, &text, &data)) < 0) {
        return r;
    }
    if (!empty && (r = read_tag(x, &t)) < 0) {
        return r;
    }
    if (empty || t.end) {
        /* XML-RPC: a value without a type element is a string */
        if (!empty && !tag_is(&t, "value")) {
            return fail(x, VW_E_SYNTAX, t.at, "value");
        }
        it.type = VW_VA_STRING;
        it.text = text;
        k = 3;
    } else {
        if (data) {
            return fail(x, VW_E_SYNTAX, at, "value");  /* text beside a type element */
        }
        for (k = 0; k < (int)(sizeof(types) / sizeof(types[0])); k++) {
            if (tag_is(&t, types[k].tag)) {
                break;
            }
        }
        if (k == (int)(sizeof(types) / sizeof(types[0]))) {
            return fail(x, VW_E_TYPE, t.at, "value");  /* not an XML-RPC type (nil, i8, ...) */
        }
        it.type = types[k].type;
        at = t.at;
    }
    if ((types[k].form & mask) == 0) {
        /* not what the schema takes here: VW_E_TYPE, once the value is known to be
         * well-formed (its syntax and nesting errors come first) */
        type_err = true;
        mask = VW_VA_F_ANY;
    }
    if (it.type == VW_VA_STRUCT || it.type == VW_VA_ARRAY) {
        add_item(x, &it, &index);
        r = it.type == VW_VA_STRUCT ? struct_body(x, depth, mask, index, &it, t.empty)
                                    : array_body(x, depth, mask, index, &it);
        if (r < 0 || (r = close_el(x, types[k].tag, t.empty)) < 0) {
            return r;
        }
    } else {
        if (!empty && !t.end && (r = text_element(x, types[k].tag, t.empty, &it.text)) < 0) {
            return r;
        }
        if ((r = check_scalar(x, it.type, it.text, at, &it)) < 0) {
            return r;
        }
        if ((mask & VW_VA_F_STRING) == 0 && (mask & VW_VA_F_MODE) != 0 &&
            !text_is(it.text, "halt") && !text_is(it.text, "powerdown") &&
            !text_is(it.text, "reboot")) {
            return fail(x, VW_E_ENUM, at, "mode");  /* §3.1 va.shutdown: halt|powerdown|reboot */
        }
        add_item(x, &it, &index);
    }
    if (!empty && !t.end && (r = close_el(x, "value", false)) < 0) {
        return r;
    }
    return type_err ? fail(x, VW_E_TYPE, at, "value") : 0;
}

/* ---- documents ---- */

/* declaration reads an optional <?xml ...?> at byte 0. */
static int declaration(struct px *x) {
    static const char *const keys[3] = { "version", "encoding", "standalone" };
    size_t i = 5;
    int next = 0;

    if (x->len < 6 || memcmp(x->p, "<?xml", 5) != 0 || !is_ws(x->p[5])) {
        return 0;
    }
    for (;;) {
        size_t ws = i, kl = 0, v;
        uint8_t q;
        while (i < x->len && is_ws(x->p[i])) {
            i++;
        }
        if (i + 1 < x->len && x->p[i] == '?' && x->p[i + 1] == '>') {
            break;
        }
        int k = next;
        for (; k < 3; k++) {
            kl = strlen(keys[k]);
            if (x->len - i > kl && memcmp(x->p + i, keys[k], kl) == 0) {
                break;
            }
        }
        /* XML 1.0 §2.8: version first, then encoding, then standalone, blank-separated */
        if (k == 3 || ws == i || (k != 0 && next == 0)) {
            return fail(x, VW_E_SYNTAX, i, "xml declaration");
        }
        i += kl;
        while (i < x->len && is_ws(x->p[i])) {
            i++;
        }
        if (i >= x->len || x->p[i] != '=') {
            return fail(x, VW_E_SYNTAX, i, "xml declaration");
        }
        i++;
        while (i < x->len && is_ws(x->p[i])) {
            i++;
        }
        if (i >= x->len || (x->p[i] != '"' && x->p[i] != '\'')) {
            return fail(x, VW_E_SYNTAX, i, "xml declaration");
        }
        q = x->p[i++];
        v = i;
        while (i < x->len && x->p[i] != q && x->p[i] != '<') {
            i++;
        }
        if (i >= x->len || x->p[i] != q) {
            return fail(x, VW_E_SYNTAX, i, "xml declaration");
        }
        struct vw_span val = { .p = x->p + v, .len = i - v };
        bool ok = k == 0   ? span_eq(val, "1.0")
                  : k == 1 ? (val.len == 5 && (x->p[v] | 0x20) == 'u' &&
                              (x->p[v + 1] | 0x20) == 't' && (x->p[v + 2] | 0x20) == 'f' &&
                              x->p[v + 3] == '-' && x->p[v + 4] == '8')
                           : (span_eq(val, "yes") || span_eq(val, "no"));
        if (!ok) {  /* [this parser reads XML 1.0 in UTF-8 only] */
            return fail(x, VW_E_SYNTAX, v, "xml declaration");
        }
        i++;
        next = k + 1;
    }
    if (next == 0) {
        return fail(x, VW_E_SYNTAX, i, "xml declaration");  /* version is required */
    }
    x->pos = i + 2;
    return 0;
}

static bool method_name_ok(struct vw_span n) {
    /* XML-RPC spec: "identifier characters, upper and lower-case A-Z, the numeric characters,
     * 0-9, underscore, dot, colon and slash" */
    for (size_t i = 0; i < n.len; i++) {
        uint8_t c = n.p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == ':' || c == '/')) {
            return false;
        }
    }
    return n.len > 0;
}

static int call(struct px *x, struct vw_va_msg *m, int from) {
    const struct vw_va_method *meth;
    struct vw_span name;
    struct tag t;
    bool empty;
    size_t at;
    int r;

    if ((r = open_el(x, "methodName", &empty)) < 0) {
        return r;
    }
    at = x->pos;
    if ((r = text_element(x, "methodName", empty, &name)) < 0) {
        return r;
    }
    if (!method_name_ok(name)) {
        return fail(x, VW_E_SYNTAX, at, "methodName");
    }
    meth = vw_va_method_find(name.p, name.len);
    if (meth == NULL || (meth->served_by & receiver(from)) == 0) {
        return fail(x, VW_E_UNKNOWN_PROC, at, "methodName");  /* §3.1 methods */
    }
    if ((r = open_el(x, "params", &empty)) < 0) {
        return r;
    }
    while (!empty) {
        bool pe;
        if ((r = peek_tag(x, &t)) < 0) {
            return r;
        }
        if (t.end) {
            break;
        }
        if (m->num_params == meth->num_params) {
            return fail(x, VW_E_MEMBER, t.at, "param");  /* a param too many */
        }
        if ((r = open_el(x, "param", &pe)) < 0) {
            return r;
        }
        if (pe) {
            return fail(x, VW_E_MEMBER, t.at, "param");  /* a param without a value */
        }
        if ((r = value(x, 0, meth->params[m->num_params])) < 0 ||
            (r = close_el(x, "param", false)) < 0) {
            return r;
        }
        m->num_params++;
    }
    skip_ws(x);
    if (m->num_params != meth->num_params) {
        return fail(x, VW_E_MEMBER, x->pos, "param");  /* a param missing */
    }
    if ((r = close_el(x, "params", empty)) < 0) {
        return r;
    }
    m->method = meth;
    m->method_name = name;
    return 0;
}

static int response(struct px *x, struct vw_va_msg *m, int from) {
    /* a peer's responses answer the other peer's requests: the sender served them */
    const unsigned served = from == VW_VA_FROM_ANY ? HOST | GUEST : 1u << from;
    unsigned rets = 0;
    struct tag t;
    bool empty;
    int r;

    for (size_t i = 0; i < NUM_METHODS; i++) {
        rets |= (methods[i].served_by & served) != 0 ? methods[i].ret : 0;
    }
    if ((r = peek_tag(x, &t)) < 0) {
        return r;
    }
    if (!t.end && tag_is(&t, "fault")) {
        size_t first = x->items != NULL ? x->items->num : 0;
        if ((r = open_el(x, "fault", &empty)) < 0) {
            return r;
        }
        if (empty) {
            return fail(x, VW_E_MEMBER, t.at, "fault");
        }
        if ((r = value(x, 0, VW_VA_F_FAULT)) < 0 || (r = close_el(x, "fault", false)) < 0) {
            return r;
        }
        m->kind = VW_VA_FAULT;
        /* the struct's members, as value() checked them: faultCode int, faultString string */
        if (x->items != NULL && !x->items->overflow) {
            const struct vw_va_item *it = x->items->items + first;
            for (size_t i = 1; i + 1 < x->items->num - first; i++) {
                if (it[i].type == VW_VA_MEMBER && text_is(it[i].text, "faultCode")) {
                    m->fault_code = (int32_t)it[i + 1].i;
                } else if (it[i].type == VW_VA_MEMBER) {
                    m->fault_string = it[i + 1].text;
                }
            }
        }
        return 0;
    }
    if ((r = open_el(x, "params", &empty)) < 0) {
        return r;
    }
    if (empty || (r = peek_tag(x, &t)) < 0 || t.end) {
        return r < 0 ? r : fail(x, VW_E_MEMBER, empty ? x->pos : t.at, "param");
    }
    if ((r = open_el(x, "param", &empty)) < 0) {
        return r;
    }
    if (empty) {
        return fail(x, VW_E_MEMBER, t.at, "param");
    }
    if ((r = value(x, 0, rets)) < 0 || (r = close_el(x, "param", false)) < 0) {
        return r;
    }
    if ((r = peek_tag(x, &t)) < 0) {
        return r;
    }
    if (!t.end) {
        return fail(x, VW_E_MEMBER, t.at, "param");  /* a response holds one value */
    }
    m->num_params = 1;
    return close_el(x, "params", false);
}

int vw_va_decode_body(struct vw_va_msg *out, struct vw_diag *diag, struct vw_span body,
                      size_t base, int kind, int from, struct vw_va_items *items) {
    struct px x = { .p = body.p, .len = body.len, .base = base, .diag = diag, .items = items };
    struct vw_va_msg m = *out;
    size_t first = items != NULL ? items->num : 0;
    bool overflow = items != NULL && items->overflow;
    struct tag t;
    bool empty;
    int r;

    m.method = NULL;
    m.method_name = (struct vw_span){ 0 };
    m.num_params = 0;
    m.fault_code = 0;
    m.fault_string = (struct vw_span){ 0 };
    m.kind = kind;
    if ((r = declaration(&x)) < 0 || (r = peek_tag(&x, &t)) < 0) {
        goto fail;
    }
    if (t.end || (!tag_is(&t, "methodCall") && !tag_is(&t, "methodResponse"))) {
        r = fail(&x, VW_E_MEMBER, t.at, "root");
        goto fail;
    }
    if (tag_is(&t, "methodCall") != (kind == VW_VA_REQUEST)) {
        r = fail(&x, VW_E_MSG_TYPE, t.at, "root");  /* §3.1: POST carries a call */
        goto fail;
    }
    if ((r = open_el(&x, kind == VW_VA_REQUEST ? "methodCall" : "methodResponse", &empty)) < 0) {
        goto fail;
    }
    if (empty) {
        r = fail(&x, VW_E_MEMBER, x.pos, "root");
        goto fail;
    }
    r = kind == VW_VA_REQUEST ? call(&x, &m, from) : response(&x, &m, from);
    if (r < 0 || (r = close_el(&x, kind == VW_VA_REQUEST ? "methodCall" : "methodResponse",
                               false)) < 0) {
        goto fail;
    }
    skip_ws(&x);
    if (x.pos != x.len) {
        r = fail(&x, VW_E_TRAILING, x.pos, "xml");  /* XML 1.0: one root element */
        goto fail;
    }
    m.first_item = first;
    m.num_items = items != NULL ? items->num - first : 0;
    *out = m;
    return 0;
fail:
    if (items != NULL) {
        items->num = first;
        items->overflow = overflow;
    }
    return r;
}

/* ---- encoder ---- */

struct wr {
    uint8_t *p;
    size_t cap, len;
};

static void w_raw(struct wr *w, const void *p, size_t n) {
    if (w->p != NULL && w->len + n <= w->cap) {
        memcpy(w->p + w->len, p, n);
    }
    w->len += n;
}

static void w_str(struct wr *w, const char *s) {
    w_raw(w, s, strlen(s));
}

/* w_text writes the characters of |t| escaped: & < > and CR as references. */
static int w_text(struct wr *w, struct vw_span t, bool raw) {
    size_t i = 0;

    while (i < t.len) {
        uint8_t ch[4];
        size_t k = text_next(t, raw, &i, ch);
        if (k == 1 && ch[0] < 0x20 && ch[0] != '\t' && ch[0] != '\n' && ch[0] != '\r') {
            return VW_E_INVALID;  /* not an XML Char */
        }
        if (k == 1 && (ch[0] == '&' || ch[0] == '<' || ch[0] == '>' || ch[0] == '\r')) {
            w_str(w, ch[0] == '&' ? "&amp;" : ch[0] == '<' ? "&lt;" : ch[0] == '>' ? "&gt;"
                                                                              : "&#13;");
        } else {
            w_raw(w, ch, k);
        }
    }
    return 0;
}

/* w_value writes the value at items[*i] and its children. */
static int w_value(struct wr *w, const struct vw_va_item *items, size_t n, size_t *i,
                   unsigned depth) {
    const struct vw_va_item *it;
    char num[24];
    int r;

    if (*i >= n || depth > VW_VA_NESTING_MAX) {
        return VW_E_INVALID;
    }
    it = &items[(*i)++];
    w_str(w, "<value>");
    switch (it->type) {
    case VW_VA_INT:
    case VW_VA_BOOL: {
        uint64_t u = it->i < 0 ? 0 - (uint64_t)it->i : (uint64_t)it->i;
        size_t k = sizeof(num);
        if (it->type == VW_VA_INT ? (it->i < INT32_MIN || it->i > INT32_MAX)
                                  : (it->i != 0 && it->i != 1)) {
            return VW_E_INVALID;
        }
        do {
            num[--k] = (char)('0' + u % 10);
            u /= 10;
        } while (u != 0);
        if (it->i < 0) {
            num[--k] = '-';
        }
        w_str(w, it->type == VW_VA_INT ? "<i4>" : "<boolean>");
        w_raw(w, num + k, sizeof(num) - k);
        w_str(w, it->type == VW_VA_INT ? "</i4>" : "</boolean>");
        break;
    }
    case VW_VA_STRING:
    case VW_VA_DOUBLE:
    case VW_VA_DATETIME:
    case VW_VA_BASE64: {
        const char *tag = it->type == VW_VA_STRING ? "string" : it->type == VW_VA_DOUBLE
                              ? "double" : it->type == VW_VA_DATETIME ? "dateTime.iso8601"
                                                                      : "base64";
        w_str(w, "<"), w_str(w, tag), w_str(w, ">");
        if (it->type == VW_VA_BASE64) {
            for (size_t k = 0; k < it->text.len; k++) {  /* canonical: no line breaks */
                if (!is_ws(it->text.p[k])) {
                    w_raw(w, it->text.p + k, 1);
                }
            }
        } else if ((r = w_text(w, it->text, it->raw)) < 0) {
            return r;
        }
        w_str(w, "</"), w_str(w, tag), w_str(w, ">");
        break;
    }
    case VW_VA_STRUCT:
        w_str(w, "<struct>\r\n");
        for (uint32_t k = 0; k < it->num; k++) {
            if (*i >= n || items[*i].type != VW_VA_MEMBER) {
                return VW_E_INVALID;
            }
            w_str(w, "<member><name>");
            if ((r = w_text(w, items[*i].text, items[*i].raw)) < 0) {
                return r;
            }
            w_str(w, "</name>\r\n");
            (*i)++;
            if ((r = w_value(w, items, n, i, depth + 1)) < 0) {
                return r;
            }
            w_str(w, "</member>\r\n");
        }
        w_str(w, "</struct>");
        break;
    case VW_VA_ARRAY:
        w_str(w, "<array><data>\r\n");
        for (uint32_t k = 0; k < it->num; k++) {
            if ((r = w_value(w, items, n, i, depth + 1)) < 0) {
                return r;
            }
            w_str(w, "\r\n");
        }
        w_str(w, "</data></array>");
        break;
    default:
        return VW_E_INVALID;
    }
    w_str(w, "</value>");
    return 0;
}

static int encode_body(struct wr *wp, const struct vw_va_msg *m, const struct vw_va_item *items,
                       size_t num_items) {
    struct wr w = *wp;
    size_t i = 0;
    int r;

    w_str(&w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n");
    if (m->kind == VW_VA_REQUEST) {
        if (!method_name_ok(m->method_name)) {
            return VW_E_INVALID;
        }
        w_str(&w, "<methodCall>\r\n<methodName>");
        w_raw(&w, m->method_name.p, m->method_name.len);
        w_str(&w, "</methodName>\r\n<params>\r\n");
        while (i < num_items) {
            w_str(&w, "<param>");
            if ((r = w_value(&w, items, num_items, &i, 0)) < 0) {
                return r;
            }
            w_str(&w, "</param>\r\n");
        }
        w_str(&w, "</params>\r\n</methodCall>\r\n");
    } else if (m->kind == VW_VA_RESPONSE || m->kind == VW_VA_FAULT) {
        bool fault = m->kind == VW_VA_FAULT;
        w_str(&w, fault ? "<methodResponse>\r\n<fault>\r\n" : "<methodResponse>\r\n<params>\r\n"
                                                              "<param>");
        if ((r = w_value(&w, items, num_items, &i, 0)) < 0 || i != num_items) {
            return r < 0 ? r : VW_E_INVALID;
        }
        w_str(&w, fault ? "\r\n</fault>\r\n</methodResponse>\r\n"
                        : "</param>\r\n</params>\r\n</methodResponse>\r\n");
    } else {
        return VW_E_INVALID;
    }
    *wp = w;
    return 0;
}

int vw_va_encode_body(uint8_t *buf, size_t cap, size_t *out_len, const struct vw_va_msg *m,
                      const struct vw_va_item *items, size_t num_items) {
    struct wr w = { .p = NULL, .cap = 0, .len = 0 };
    int r;

    if ((r = encode_body(&w, m, items, num_items)) < 0) {
        return r;
    }
    *out_len = w.len;
    if (buf == NULL) {
        return 0;
    }
    if (cap < w.len) {
        return VW_E_NOSPACE;
    }
    w = (struct wr){ .p = buf, .cap = cap, .len = 0 };
    return encode_body(&w, m, items, num_items);
}
