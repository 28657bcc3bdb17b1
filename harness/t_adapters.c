/* t_adapters.c -- the XDR protocol adapters of the conformance runner (conformance/adapter_
 * virnet.c, adapter_oncrpc.c, adapter_qemud.c, adapter_openhook.c).
 *
 * For each: a structured send encoded from assignments and fed back through the same
 * adapter's framer gives the fields back (qemud and openhook frame server messages, so their
 * client sends are checked with the reference decoder and their framers fed server replies);
 * a non-canonical message is VW_CF_LENIENT with the strict code; an invalid one VW_CF_INVALID;
 * a stream fed one byte at a time gives the same messages as fed whole; a bad length word is
 * a framing error; explicit size words are sent as given; unknown paths, missing mandatory
 * fields and wrong values are refused with the path in the reason.
 * Exit status: 0 all passed, 1 not. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters.h"
#include "openhook.h"
#include "qemud.h"
#include "virnet.h"
#include "xs_fields.h"

static int failures, checks;
static const char *current = "";

#define EXPECT(cond)                                                                 \
    do {                                                                             \
        checks++;                                                                    \
        if (!(cond)) {                                                               \
            fprintf(stderr, "t_adapters: %s:%d: %s: failed: %s\n", __FILE__, __LINE__, \
                    current, #cond);                                                 \
            failures++;                                                              \
        }                                                                            \
    } while (0)

#define MSGS_MAX 8

/* find: the registry (conformance/adapters.c) without the adapters of other protocols. */
static const struct vw_cf_adapter *find(const char *protocol) {
    static const struct vw_cf_adapter *const all[] = {
        &vw_cf_adapter_virnet, &vw_cf_adapter_oncrpc, &vw_cf_adapter_qemud,
        &vw_cf_adapter_openhook, &vw_cf_adapter_openhook_xdr,
    };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (strcmp(all[i]->protocol, protocol) == 0) {
            return all[i];
        }
    }
    return NULL;
}

/* struct got: what a framer gave for a stream. */
struct got {
    struct vw_cf_msg m[MSGS_MAX];
    size_t num;
    int last;            /* the last feed's result */
};

static void got_cleanup(struct got *g) {
    for (size_t i = 0; i < g->num; i++) {
        vw_cf_msg_cleanup(&g->m[i]);
    }
    memset(g, 0, sizeof(*g));
}

/* feed_all feeds |len| bytes in chunks of |chunk| (0: whole) until the input or the stream
 * ends. */
static void feed_all(const struct vw_cf_adapter *ad, const uint8_t *p, size_t len, size_t chunk,
                     struct got *g) {
    struct vw_cf_framer *f = ad->framer_new();
    size_t off = 0;

    memset(g, 0, sizeof(*g));
    if (f == NULL) {
        exit(1);
    }
    while (off < len && g->num < MSGS_MAX) {
        size_t n = chunk == 0 || len - off < chunk ? len - off : chunk, used = 0;
        int r = ad->feed(f, p + off, n, &used, &g->m[g->num]);
        off += used;
        g->last = r;
        if (r == 1 || r < 0) {
            g->num++;
        }
        if (r < 0) {
            break;
        }
        if (r == 0 && used != n) {
            EXPECT(!"feed returned 0 without using every byte");
            break;
        }
    }
    ad->framer_free(f);
}

static bool field_is(const struct vw_cf_msg *m, const char *path, const char *value) {
    const char *v = vw_cf_msg_field(m, path);

    if (v == NULL || strcmp(v, value) != 0) {
        fprintf(stderr, "t_adapters: %s: %s = %s, want %s\n", current, path,
                v != NULL ? v : "(absent)", value);
        return false;
    }
    return true;
}

static bool same_msgs(const struct got *a, const struct got *b) {
    if (a->num != b->num || a->last != b->last) {
        return false;
    }
    for (size_t i = 0; i < a->num; i++) {
        const struct vw_cf_msg *x = &a->m[i], *y = &b->m[i];
        if (x->kind != y->kind || x->strictness != y->strictness || x->code != y->code ||
            x->num_fields != y->num_fields) {
            return false;
        }
        for (size_t k = 0; k < x->num_fields; k++) {
            if (strcmp(x->fields[k].path, y->fields[k].path) != 0 ||
                strcmp(x->fields[k].value, y->fields[k].value) != 0) {
                return false;
            }
        }
    }
    return true;
}

/* enc encodes "path", "value" pairs with |ad|, appending to |out|; returns the code. */
static int enc(const struct vw_cf_adapter *ad, const char *const *pv, size_t n,
               struct vw_cf_buf *out, char *err) {
    struct vw_txn_assign a[32];

    for (size_t i = 0; i < n && i < 32; i++) {
        a[i] = (struct vw_txn_assign){ .path = pv[2 * i], .value = pv[2 * i + 1],
                                       .line = (unsigned)i + 1 };
    }
    err[0] = '\0';
    return ad->encode(a, n, out, err, 256);
}

#define ENC(ad, arr, out, err) enc((ad), (arr), sizeof(arr) / sizeof((arr)[0]) / 2, (out), (err))

/* check_chunked: fed one byte at a time and in chunks of 7, |p| gives what it gives whole. */
static void check_chunked(const struct vw_cf_adapter *ad, const uint8_t *p, size_t len) {
    struct got whole, bytes, sevens;

    feed_all(ad, p, len, 0, &whole);
    feed_all(ad, p, len, 1, &bytes);
    feed_all(ad, p, len, 7, &sevens);
    EXPECT(whole.num > 0);
    EXPECT(same_msgs(&whole, &bytes));
    EXPECT(same_msgs(&whole, &sevens));
    got_cleanup(&whole);
    got_cleanup(&bytes);
    got_cleanup(&sevens);
}

/* ---- virnet ---- */

static void t_virnet(void) {
    const struct vw_cf_adapter *ad = find("virnet");
    const char *call[] = { "proc", "CONNECT_OPEN", "serial", "1", "name", "\"test:///default\"",
                           "flags", "0" };
    const char *reply[] = { "type", "REPLY", "proc", "CONNECT_GET_TYPE", "serial", "2",
                            "ret.type", "\"TEST\"" };
    const char *error[] = { "type", "REPLY", "status", "ERROR", "proc", "3", "serial", "3",
                            "code", "42", "domain", "10", "message", "\"no \\\"x\\\"\"",
                            "level", "2", "int1", "0", "int2", "0" };
    const char *stream[] = { "type", "STREAM", "status", "CONTINUE", "proc", "3",
                             "data", "x\"000102\"" };
    const char *badlen[] = { "proc", "CONNECT_OPEN", "len", "5", "name", "null", "flags", "0" };
    const char *unknown[] = { "proc", "CONNECT_OPEN", "name", "null", "flags", "0", "nope", "1" };
    const char *missing[] = { "proc", "CONNECT_OPEN", "name", "null" };
    struct vw_cf_buf b = { 0 }, all = { 0 };
    char err[256];
    struct got g;

    current = "virnet: adapter registered";
    EXPECT(ad != NULL && strcmp(ad->protocol, "virnet") == 0);
    if (ad == NULL) {
        return;
    }
    current = "virnet: CALL encoded and decoded back";
    EXPECT(ENC(ad, call, &b, err) == 0);
    EXPECT(b.len == 4 + 24 + 4 + 4 + 16 + 4 && vw_load_be32(b.p) == b.len);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].kind == VW_CF_MSG && g.m[0].strictness == VW_CF_STRICT);
    EXPECT(field_is(&g.m[0], "prog", "REMOTE") && field_is(&g.m[0], "vers", "1") &&
           field_is(&g.m[0], "proc", "CONNECT_OPEN") && field_is(&g.m[0], "type", "CALL") &&
           field_is(&g.m[0], "serial", "1") && field_is(&g.m[0], "status", "OK") &&
           field_is(&g.m[0], "name", "\"test:///default\"") && field_is(&g.m[0], "flags", "0"));
    EXPECT(g.m[0].num_fds == -1);
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "virnet: non-zero padding is NON-STRICT with VW_E_PADDING";
    b.p[4 + 24 + 4 + 4 + 15] = 0x41;
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_LENIENT && g.m[0].code == VW_E_PADDING);
    EXPECT(g.m[0].offset == 4 + 24 + 4 + 4 + 15);
    EXPECT(g.num == 1 && field_is(&g.m[0], "name", "\"test:///default\""));
    got_cleanup(&g);

    current = "virnet: a string length over its maximum is INVALID";
    b.p[4 + 24 + 4] = 0x7f;
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_INVALID && g.m[0].code == VW_E_TOO_LONG);
    EXPECT(g.num == 1 && field_is(&g.m[0], "proc", "CONNECT_OPEN"));
    got_cleanup(&g);

    current = "virnet: a payload member named like a header field takes its root";
    b.len = 0;
    EXPECT(ENC(ad, reply, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && field_is(&g.m[0], "type", "REPLY") &&
           field_is(&g.m[0], "ret.type", "\"TEST\""));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "virnet: error reply fields";
    b.len = 0;
    EXPECT(ENC(ad, error, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_STRICT &&
           field_is(&g.m[0], "status", "ERROR") && field_is(&g.m[0], "code", "42") &&
           field_is(&g.m[0], "message", "\"no \\\"x\\\"\"") && field_is(&g.m[0], "dom", "null") &&
           field_is(&g.m[0], "proc", "CONNECT_GET_TYPE"));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "virnet: stream data";
    b.len = 0;
    EXPECT(ENC(ad, stream, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && field_is(&g.m[0], "data", "x\"000102\""));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "virnet: chunked feeding gives the same messages";
    check_chunked(ad, all.p, all.len);

    current = "virnet: an explicit len is sent as given and is a framing error";
    b.len = 0;
    EXPECT(ENC(ad, badlen, &b, err) == 0 && vw_load_be32(b.p) == 5);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.last == VW_E_LENGTH && g.m[0].kind == VW_CF_FRAMING_ERROR);
    got_cleanup(&g);

    current = "virnet: unknown path, missing field";
    b.len = 0;
    EXPECT(ENC(ad, unknown, &b, err) == VW_E_MEMBER && strstr(err, "nope") != NULL);
    EXPECT(ENC(ad, missing, &b, err) == VW_E_MEMBER && strstr(err, "flags") != NULL);
    EXPECT(b.len == 0);
    vw_cf_buf_free(&b);
    vw_cf_buf_free(&all);
}

/* ---- onc-rpc ---- */

static void t_oncrpc(void) {
    const struct vw_cf_adapter *ad = find("onc-rpc");
    const char *call[] = { "xid", "5", "prog", "100000", "vers", "2", "proc", "GETPORT",
                           "cred.flavor", "AUTH_SYS", "cred.sys.machinename", "\"h\"",
                           "cred.sys.uid", "1000", "cred.sys.gids[1]", "7",
                           "cred.sys.gids[0]", "6", "args.prog", "100003", "args.vers", "3",
                           "args.prot", "6" };
    const char *reply[] = { "xid", "5", "reply_stat", "MSG_ACCEPTED", "accept_stat", "SUCCESS",
                            "results", "x\"00000801\"" };
    const char *mismatch[] = { "xid", "6", "msg_type", "REPLY", "reply_stat", "MSG_DENIED",
                               "reject_stat", "RPC_MISMATCH", "mismatch.low", "2",
                               "mismatch.high", "2" };
    const char *badvers[] = { "xid", "7", "rpcvers", "3", "prog", "100003", "vers", "3" };
    const char *badfrag[] = { "xid", "8", "prog", "1", "vers", "1", "fragment", "0" };
    const char *noprog[] = { "xid", "9", "vers", "1" };
    struct vw_cf_buf b = { 0 }, all = { 0 };
    char err[256];
    struct got g;

    current = "onc-rpc: adapter registered";
    EXPECT(ad != NULL);
    if (ad == NULL) {
        return;
    }
    current = "onc-rpc: portmap GETPORT call with AUTH_SYS";
    EXPECT(ENC(ad, call, &b, err) == 0);
    EXPECT(b.len > 4 && vw_load_be32(b.p) == (0x80000000u | (uint32_t)(b.len - 4)));
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_STRICT);
    EXPECT(g.num == 1 && field_is(&g.m[0], "xid", "5") && field_is(&g.m[0], "msg_type", "CALL") &&
           field_is(&g.m[0], "rpcvers", "2") && field_is(&g.m[0], "proc", "GETPORT") &&
           field_is(&g.m[0], "cred.flavor", "AUTH_SYS") &&
           field_is(&g.m[0], "cred.sys.machinename", "\"h\"") &&
           field_is(&g.m[0], "cred.sys.gids", "2") && field_is(&g.m[0], "cred.sys.gids[1]", "7") &&
           field_is(&g.m[0], "verf.flavor", "AUTH_NONE") &&
           field_is(&g.m[0], "args.prog", "100003") &&
           field_is(&g.m[0], "args.port", "0") && field_is(&g.m[0], "fragments", "1"));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "onc-rpc: non-zero padding of the machine name is NON-STRICT";
    b.p[4 + 40 + 1] = 1;  /* record: xid .. cred flavor, body len, stamp, name len, 'h' */
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_LENIENT && g.m[0].code == VW_E_PADDING);
    got_cleanup(&g);

    current = "onc-rpc: the reply to a remembered portmap call has its results decoded";
    b.len = 0;
    EXPECT(ENC(ad, reply, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_STRICT &&
           field_is(&g.m[0], "msg_type", "REPLY") && field_is(&g.m[0], "accept_stat", "SUCCESS") &&
           field_is(&g.m[0], "results", "x\"00000801\"") &&
           field_is(&g.m[0], "results.value", "2049"));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "onc-rpc: RPC_MISMATCH";
    b.len = 0;
    EXPECT(ENC(ad, mismatch, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && field_is(&g.m[0], "reject_stat", "RPC_MISMATCH") &&
           field_is(&g.m[0], "mismatch.high", "2"));
    got_cleanup(&g);
    EXPECT(vw_cf_buf_append(&all, b.p, b.len) == 0);

    current = "onc-rpc: chunked feeding gives the same messages";
    check_chunked(ad, all.p, all.len);

    current = "onc-rpc: rpcvers 3 is NON-STRICT (lenient reads on as version 2)";
    b.len = 0;
    EXPECT(ENC(ad, badvers, &b, err) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_LENIENT &&
           g.m[0].code == VW_E_RPC_VERSION && field_is(&g.m[0], "rpcvers", "3"));
    got_cleanup(&g);

    current = "onc-rpc: a call cut after its message type is INVALID";
    {
        static const uint8_t cut[] = { 0x80, 0, 0, 8, 0, 0, 0, 7, 0, 0, 0, 0 };
        feed_all(ad, cut, sizeof(cut), 0, &g);
        EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_INVALID && g.m[0].code == VW_E_SHORT &&
               field_is(&g.m[0], "xid", "7"));
        got_cleanup(&g);
    }

    current = "onc-rpc: an explicit empty non-last fragment header is a framing error";
    b.len = 0;
    EXPECT(ENC(ad, badfrag, &b, err) == 0 && vw_load_be32(b.p) == 0);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.last == VW_E_FRAGMENT && g.m[0].kind == VW_CF_FRAMING_ERROR);
    got_cleanup(&g);

    current = "onc-rpc: a call without prog";
    b.len = 0;
    EXPECT(ENC(ad, noprog, &b, err) == VW_E_MEMBER && strstr(err, "prog") != NULL && b.len == 0);
    vw_cf_buf_free(&b);
    vw_cf_buf_free(&all);
}

/* ---- qemud ---- */

/* server_msg appends a server message of |type| with the arm from "path", "value" pairs. */
static void server_msg(struct vw_cf_buf *out, uint32_t serial, uint32_t in_reply_to, int32_t type,
                       const char *const *pv, size_t n) {
    struct vw_txn_assign a[8];
    bool used[8] = { false };
    struct vw_cf_buf body = { 0 };
    uint8_t hdr[20];
    char err[256];
    uint32_t w[5] = { 0, VW_QEMUD_PROGRAM, serial, in_reply_to, (uint32_t)type };

    for (size_t i = 0; i < n; i++) {
        a[i] = (struct vw_txn_assign){ .path = pv[2 * i], .value = pv[2 * i + 1] };
    }
    EXPECT(vw_xsf_encode(vw_qemud_arm_type(VW_QEMUD_FROM_SERVER, type), "", a, n, used, &body,
                         err, sizeof(err)) == 0);
    w[0] = (uint32_t)(sizeof(hdr) + body.len);
    for (size_t i = 0; i < 5; i++) {
        hdr[4 * i] = (uint8_t)(w[i] >> 24);
        hdr[4 * i + 1] = (uint8_t)(w[i] >> 16);
        hdr[4 * i + 2] = (uint8_t)(w[i] >> 8);
        hdr[4 * i + 3] = (uint8_t)w[i];
    }
    EXPECT(vw_cf_buf_append(out, hdr, sizeof(hdr)) == 0 &&
           vw_cf_buf_append(out, body.p, body.len) == 0);
    vw_cf_buf_free(&body);
}

static void t_qemud(void) {
    const struct vw_cf_adapter *ad = find("qemud");
    const char *lookup[] = { "serial", "3", "type", "DOMAIN_LOOKUP_BY_NAME", "name", "\"test\"" };
    const char *reply[] = { "id", "1", "uuid", "x\"6695eb01f6a4830479aa97f2502e193f\"" };
    const char *failure[] = { "code", "7", "message", "\"no such domain\"" };
    const char *notype[] = { "serial", "3", "name", "\"test\"" };
    struct vw_xsf_items items = { 0 };
    struct vw_cf_buf b = { 0 };
    struct vw_cf_msg m = { 0 };
    struct vw_qemud_msg q;
    char err[256];
    struct got g;

    current = "qemud: adapter registered";
    EXPECT(ad != NULL);
    if (ad == NULL) {
        return;
    }
    current = "qemud: a client request decodes strictly with its fields";
    EXPECT(ENC(ad, lookup, &b, err) == 0);
    EXPECT(vw_qemud_decode(&q, NULL, NULL, b.p, b.len, VW_QEMUD_FROM_CLIENT, 0, vw_xsf_collect,
                           &items) == 0);
    EXPECT(q.serial == 3 && q.type == 7 && q.length == b.len && items.num > 1);
    EXPECT(items.num > 1 && vw_xsf_flatten(&m, "", items.v + 1, items.num - 1) == 0 &&
           field_is(&m, "name", "\"test\""));
    vw_cf_msg_cleanup(&m);
    vw_xsf_items_free(&items);

    current = "qemud: server replies through the framer, whole and chunked";
    b.len = 0;
    server_msg(&b, 1, 3, 8, reply, 2);
    server_msg(&b, 2, 4, 0, failure, 2);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 2 && g.m[0].strictness == VW_CF_STRICT && g.m[1].strictness == VW_CF_STRICT);
    EXPECT(g.num == 2 && field_is(&g.m[0], "type", "DOMAIN_LOOKUP_BY_NAME") &&
           field_is(&g.m[0], "inReplyTo", "3") && field_is(&g.m[0], "id", "1") &&
           field_is(&g.m[0], "uuid", "x\"6695eb01f6a4830479aa97f2502e193f\"") &&
           field_is(&g.m[1], "type", "FAILURE") &&
           field_is(&g.m[1], "message", "\"no such domain\""));
    got_cleanup(&g);
    check_chunked(ad, b.p, b.len);

    current = "qemud: an unsigned char out of range is NON-STRICT (VW_E_RANGE)";
    b.p[20 + 4 + 2] = 1;  /* uuid[0] = 0x166 */
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 2 && g.m[0].strictness == VW_CF_LENIENT && g.m[0].code == VW_E_RANGE &&
           g.m[1].strictness == VW_CF_STRICT);
    got_cleanup(&g);

    current = "qemud: a wrong program is INVALID";
    b.p[4] = 0x21;
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 2 && g.m[0].strictness == VW_CF_INVALID && g.m[0].code == VW_E_PROGRAM &&
           field_is(&g.m[0], "serial", "1"));
    got_cleanup(&g);

    current = "qemud: a length word under 12 is a framing error";
    b.p[3] = 4;
    b.p[2] = b.p[1] = b.p[0] = 0;
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.last == VW_E_LENGTH && g.m[0].kind == VW_CF_FRAMING_ERROR);
    got_cleanup(&g);

    current = "qemud: the type is required";
    b.len = 0;
    EXPECT(ENC(ad, notype, &b, err) == VW_E_MEMBER && strstr(err, "type") != NULL);
    vw_cf_buf_free(&b);
}

/* ---- openhook ---- */

static void reply_bytes(struct vw_cf_buf *out, int encoding, int32_t result) {
    struct vw_openhook_msg m;
    uint8_t buf[16];
    struct vw_xdr_enc e;

    vw_xdr_enc_init(&e, buf, sizeof(buf));
    EXPECT(vw_openhook_reply(&m, encoding, result) == 0 && vw_openhook_encode(&e, &m) == 0);
    EXPECT(vw_cf_buf_append(out, buf, e.len) == 0);
}

static void t_openhook(const char *name, int encoding) {
    const struct vw_cf_adapter *ad = find(name);
    const char *req[] = { "flags", "O_RDWR|O_CLOEXEC", "mode", "420", "filename", "\"disk.img\"" };
    const char *size[] = { "message_size", "99", "filename", "\"a\"" };
    const char *badflags[] = { "flags", "O_NOPE", "filename", "\"a\"" };
    struct vw_openhook_msg m;
    struct vw_cf_buf b = { 0 };
    char err[256];
    struct got g;
    uint32_t w;

    current = name;
    EXPECT(ad != NULL);
    if (ad == NULL) {
        return;
    }
    EXPECT(ENC(ad, req, &b, err) == 0);
    EXPECT(vw_openhook_decode(&m, NULL, NULL, b.p, b.len, encoding, VW_OPENHOOK_FROM_CLIENT,
                              0) == 0);
    EXPECT(m.flags == (uint32_t)(O_RDWR | O_CLOEXEC) && m.mode == 420 && m.filename.len == 8 &&
           memcmp(m.filename.p, "disk.img", 8) == 0 && m.message_size == b.len);

    b.len = 0;
    EXPECT(ENC(ad, size, &b, err) == 0);
    memcpy(&w, b.p, 4);
    EXPECT((encoding == VW_OPENHOOK_HOST ? w : vw_load_be32(b.p)) == 99);
    EXPECT(ENC(ad, badflags, &b, err) == VW_E_TYPE && strstr(err, "flags") != NULL);

    b.len = 0;
    reply_bytes(&b, encoding, 0);
    reply_bytes(&b, encoding, -2);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 2 && g.m[0].strictness == VW_CF_STRICT &&
           field_is(&g.m[0], "command", "QEMU_OPEN") && field_is(&g.m[0], "result", "0") &&
           field_is(&g.m[1], "result", "-2") && field_is(&g.m[1], "message_size", "12"));
    got_cleanup(&g);
    check_chunked(ad, b.p, b.len);

    /* §2.1: a result is 0 or a negated errno; 5 is refused in both modes */
    b.len = 0;
    reply_bytes(&b, encoding, 5);
    feed_all(ad, b.p, b.len, 0, &g);
    EXPECT(g.num == 1 && g.m[0].strictness == VW_CF_INVALID && g.m[0].code == VW_E_RANGE &&
           field_is(&g.m[0], "result", "5"));
    got_cleanup(&g);
    vw_cf_buf_free(&b);
}

int main(void) {
    t_virnet();
    t_oncrpc();
    t_qemud();
    t_openhook("openhook", VW_OPENHOOK_HOST);
    t_openhook("openhook-xdr", VW_OPENHOOK_XDR);
    printf("t_adapters: %d checks, %d failures\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
