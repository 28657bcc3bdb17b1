/* mkseeds_virtagent.c -- virtagent_decode seeds (historic-qemud-openhook-qga.md §3.1), written
 * with the reference encoder vw_va_encode: a request and a response for every method of §3.1,
 * the faults qemu-va sends, a whole host session, and streams with garbage, a truncated header
 * and an oversized Content-Length before valid messages.  A seed is 4 bytes choosing an
 * allocation to fail, 4 bytes seeding the chunk sizes (see fuzz_virtagent_decode.c), then the
 * stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkseeds.h"
#include "virtagent.h"

#define TARGET "virtagent_decode"
#define STREAM_MAX 16384

#define SPAN(s) { .p = (const uint8_t *)(s), .len = sizeof(s) - 1 }
#define STR(s, d) { .type = VW_VA_STRING, .depth = (d), .text = SPAN(s) }

static const char *seed_dir;
static const uint8_t no_fail[8] = { 0, 0, 0, 0, 0x5e, 0xed, 0x00, 0x01 };

struct stream {
    uint8_t buf[STREAM_MAX];
    size_t len;
};

static void die(const char *what) {
    fprintf(stderr, "vw_mkseeds (virtagent): %s\n", what);
    exit(1);
}

static void put_raw(struct stream *s, const char *p, size_t n) {
    if (s->len + n > STREAM_MAX) {
        die("stream too long");
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
}

/* put appends one message of |kind| (method |name| for requests) with |items|. */
static void put(struct stream *s, int kind, const char *name, const struct vw_va_item *items,
                size_t n) {
    struct vw_va_msg m = { .kind = kind, .tag = SPAN("testtag") };
    size_t len;

    if (name != NULL) {
        m.method_name = (struct vw_span){ .p = (const uint8_t *)name, .len = strlen(name) };
    }
    if (vw_va_encode(s->buf + s->len, STREAM_MAX - s->len, &len, &m, items, n) < 0) {
        die(name != NULL ? name : "response");
    }
    s->len += len;
}

static void write_seed(const char *name, const struct stream *s, const uint8_t prefix[8]) {
    vw_mkseeds_write(seed_dir, TARGET, name, prefix, 8, s->buf, s->len);
}

static const struct vw_va_item caps[] = {
    { .type = VW_VA_STRUCT, .num = 2 },
    { .type = VW_VA_MEMBER, .depth = 1, .text = SPAN("version") },
    STR("1.0", 1),
    { .type = VW_VA_MEMBER, .depth = 1, .text = SPAN("methods") },
    { .type = VW_VA_ARRAY, .depth = 1, .num = 5 },
    STR("va.getfile", 2), STR("va.getdmesg", 2), STR("va.shutdown", 2), STR("va.ping", 2),
    STR("va.capabilities", 2),
};

static void fault(struct stream *s, int32_t code, const char *text) {
    struct vw_va_item f[5] = {
        { .type = VW_VA_STRUCT, .num = 2 },
        { .type = VW_VA_MEMBER, .depth = 1, .text = SPAN("faultCode") },
        { .type = VW_VA_INT, .depth = 1, .i = code },
        { .type = VW_VA_MEMBER, .depth = 1, .text = SPAN("faultString") },
        { .type = VW_VA_STRING, .depth = 1,
          .text = { .p = (const uint8_t *)text, .len = strlen(text) } },
    };
    put(s, VW_VA_FAULT, NULL, f, 5);
}

/* sessions writes each message of §3.1's methods as its own seed, and all of them as one. */
static void sessions(void) {
    static const struct vw_va_item path = STR("/etc/hostname", 0);
    static const struct vw_va_item reboot = STR("reboot", 0);
    static const struct vw_va_item dummy = STR("dummy", 0);
    static const struct vw_va_item dmesg = STR("[    0.000000] Linux version 2.6.37 <&>\n", 0);
    static const struct vw_va_item file = { .type = VW_VA_BASE64, .text = SPAN("dm0xCg==") };
    static const struct vw_va_item list[] = {
        { .type = VW_VA_ARRAY, .num = 3 }, STR("va.ping", 1), STR("va.hello", 1),
        STR("va.capabilities", 1),
    };
    struct stream one, all = { .len = 0 };
    struct { const char *seed; int kind; const char *method; const struct vw_va_item *items;
             size_t n; } msgs[] = {
        { "request-getfile", VW_VA_REQUEST, "va.getfile", &path, 1 },
        { "response-getfile-base64", VW_VA_RESPONSE, NULL, &file, 1 },
        { "request-getdmesg", VW_VA_REQUEST, "va.getdmesg", NULL, 0 },
        { "response-getdmesg-string", VW_VA_RESPONSE, NULL, &dmesg, 1 },
        { "request-shutdown-reboot", VW_VA_REQUEST, "va.shutdown", &reboot, 1 },
        { "response-dummy", VW_VA_RESPONSE, NULL, &dummy, 1 },
        { "request-ping", VW_VA_REQUEST, "va.ping", NULL, 0 },
        { "request-capabilities", VW_VA_REQUEST, "va.capabilities", NULL, 0 },
        { "response-capabilities", VW_VA_RESPONSE, NULL, caps, sizeof(caps) / sizeof(caps[0]) },
        { "request-hello", VW_VA_REQUEST, "va.hello", NULL, 0 },
        { "request-system-listmethods", VW_VA_REQUEST, "system.listMethods", NULL, 0 },
        { "response-system-listmethods", VW_VA_RESPONSE, NULL, list, 4 },
    };

    for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
        one.len = 0;
        put(&one, msgs[i].kind, msgs[i].method, msgs[i].items, msgs[i].n);
        write_seed(msgs[i].seed, &one, no_fail);
        put(&all, msgs[i].kind, msgs[i].method, msgs[i].items, msgs[i].n);
    }
    one.len = 0;
    fault(&one, 1, "open failed");
    write_seed("fault-open-failed", &one, no_fail);
    one.len = 0;
    fault(&one, 1, "invalid shutdown type: foo");
    write_seed("fault-invalid-shutdown-type", &one, no_fail);
    write_seed("stream-every-method", &all, no_fail);

    /* recovery: garbage, a header cut by a 0xFF, an oversized length, then valid messages */
    one.len = 0;
    put_raw(&one, "garbage\n", 8);
    put_raw(&one, "\xffPOST /RPC2 HTTP/1.1\r\nContent-Ty", 33);
    put_raw(&one, "\xffHTTP/1.1 200 OK\r\nContent-Length: 2097153\r\n\r\n<x>", 49);
    put(&one, VW_VA_REQUEST, "va.ping", NULL, 0);
    put(&one, VW_VA_RESPONSE, NULL, &dummy, 1);
    write_seed("stream-garbage-truncated-header-then-valid", &one, no_fail);
    /* the same stream with the framer's third allocation failing */
    static const uint8_t fail_third[8] = { 0, 0, 0, 3, 0x5e, 0xed, 0x00, 0x01 };
    write_seed("stream-every-method-fail-third-alloc", &all, fail_third);
}

void vw_mkseeds_virtagent(const char *outdir) {
    seed_dir = outdir;
    sessions();
}
