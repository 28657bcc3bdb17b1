/* mkseeds_qemud.c -- qemud seeds (historic-qemud-openhook-qga.md §1), written with the
 * reference encoder: one message per packet type and direction, for the qemud_decode,
 * qemud_roundtrip and qemud_differential targets.  A seed is one byte naming the direction
 * (0 client, 1 server; the targets read its low bit) and then one message.
 *
 * Field values are plausible for a 2007 libvirtd: domain "vm1" with id 3, network "default",
 * VIR_ERR_OPERATION_DENIED (29) in the failure reply (§1.4). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkseeds.h"
#include "qemud.h"
#include "xdr.h"


static const uint8_t uuid_bytes[16] = { 0x8c, 0x3c, 0x1f, 0xd2, 0x58, 0xa1, 0x4a, 0x52,
                                        0x9f, 0x9b, 0x3d, 0x0e, 0x7c, 0x6b, 0x1a, 0x01 };

struct build {
    struct vw_xs_item items[VW_QEMUD_ITEMS_MAX];
    size_t n;
    bool network;       /* the packet is about a network, not a domain */
    bool caps;          /* GET_CAPABILITIES: the xml is a capabilities document */
};

static void die(const char *what) {
    fprintf(stderr, "vw_mkseeds (qemud): %s\n", what);
    exit(1);
}

static void add(struct build *b, const struct vw_xs_type *t, const char *name, unsigned depth,
                uint64_t u, int64_t i) {
    if (b->n == VW_QEMUD_ITEMS_MAX) {
        die("too many items");
    }
    b->items[b->n++] = (struct vw_xs_item){ .type = t, .name = name, .depth = depth, .u = u,
                                            .i = i };
}

/* text returns the contents of the char vector |field| (NUL padding follows). */
static const char *text(const struct build *b, const char *field, size_t *len) {
    static char names[2 * VW_QEMUD_MAX_NAME_LEN];
    const char *s = "";

    if (strcmp(field, "name") == 0) {
        s = b->network ? "default" : "vm1";
    } else if (strcmp(field, "xml") == 0 && b->caps) {
        s = "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
            "<guest><os_type>hvm</os_type></guest></capabilities>";
    } else if (strcmp(field, "xml") == 0) {
        s = b->network ? "<network><name>default</name><bridge name='virbr0'/></network>"
                       : "<domain type='qemu'><name>vm1</name><memory>524288</memory>"
                         "<vcpu>2</vcpu><os><type>hvm</type></os></domain>";
    } else if (strcmp(field, "file") == 0) {
        s = "/var/lib/libvirt/qemu/save/vm1.save";
    } else if (strcmp(field, "message") == 0) {
        s = "operation denied: read-only connection";
    } else if (strcmp(field, "model") == 0) {
        s = "x86_64";
    } else if (strcmp(field, "ifname") == 0) {
        s = "virbr0";
    } else if (strcmp(field, "domains") == 0 || strcmp(field, "networks") == 0) {
        /* §1.4: name i packed at byte i * QEMUD_MAX_NAME_LEN */
        memset(names, 0, sizeof(names));
        strcpy(names, b->network ? "default" : "vm2");
        strcpy(names + VW_QEMUD_MAX_NAME_LEN, b->network ? "isolated" : "vm3");
        *len = sizeof(names);
        return names;
    }
    *len = strlen(s);
    return s;
}

static uint32_t number(const char *field) {
    static const struct {
        const char *name;
        uint32_t v;
    } values[] = {
        { "code", 29 },          { "versionNum", 3000 }, { "memory", 2097152 },
        { "cpus", 4 },           { "mhz", 2400 },        { "nodes", 1 },
        { "sockets", 1 },        { "cores", 2 },         { "threads", 2 },
        { "numDomains", 2 },     { "numNetworks", 2 },   { "id", 3 },
        { "runstate", 1 },       { "maxmem", 1048576 },  { "nrVirtCpu", 2 },
        { "autostart", 1 },
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        if (strcmp(values[i].name, field) == 0) {
            return values[i].v;
        }
    }
    return 0;
}

/* build_type appends the items of |t| (a field named |name|) with values for its fields. */
static void build_type(struct build *b, const struct vw_xs_type *t, const char *name,
                       unsigned depth) {
    switch (t->kind) {
    case VW_XS_VOID:
        add(b, t, name, depth, 0, 0);
        return;
    case VW_XS_STRUCT:
        add(b, t, name, depth, 0, 0);
        for (size_t i = 0; i < t->num_fields; i++) {
            build_type(b, t->fields[i].type, t->fields[i].name, depth + 1);
        }
        return;
    case VW_XS_VECTOR: {
        size_t len = 0;
        const char *s = t->elem->kind == VW_XS_CHAR ? text(b, name, &len) : NULL;
        add(b, t, name, depth, 0, 0);
        for (uint32_t k = 0; k < t->n; k++) {
            if (t->elem->kind == VW_XS_UCHAR) {
                add(b, t->elem, NULL, depth + 1, uuid_bytes[k % 16], uuid_bytes[k % 16]);
            } else if (t->elem->kind == VW_XS_INT) {
                int32_t v = k < 2 ? (int32_t)(1 + 2 * k) : 0;  /* running ids 1, 3 */
                add(b, t->elem, NULL, depth + 1, (uint32_t)v, v);
            } else {
                int8_t c = k < len ? (int8_t)s[k] : 0;
                add(b, t->elem, NULL, depth + 1, (uint32_t)(int32_t)c, c);
            }
        }
        return;
    }
    case VW_XS_UHYPER:
        add(b, t, name, depth, 1234567890123u, 1234567890123);
        return;
    default: {
        uint32_t v = number(name != NULL ? name : "");
        add(b, t, name, depth, v, (int64_t)v);
        return;
    }
    }
}

void vw_mkseeds_qemud(const char *outdir) {
    static const char *const targets[] = { "qemud_decode", "qemud_roundtrip",
                                           "qemud_differential" };
    static struct build b;
    static uint8_t out[1 + VW_QEMUD_SERVER_MSG_MAX];

    for (int dir = VW_QEMUD_FROM_CLIENT; dir <= VW_QEMUD_FROM_SERVER; dir++) {
        const struct vw_xs_type *u = vw_qemud_data_type(dir);
        for (size_t k = 0; k < u->num_arms; k++) {
            const struct vw_xs_arm *arm = &u->arms[k];
            const char *tname = vw_qemud_type_name(dir, arm->value);
            struct vw_qemud_msg m = { .direction = dir, .type = arm->value,
                                      .serial = (uint32_t)k + 1, .in_reply_to = (uint32_t)k };
            struct vw_xdr_enc e;
            char name[96];
            size_t j = 0;

            b.n = 0;
            b.network = strstr(tname, "NETWORK") != NULL;
            b.caps = strcmp(tname, "GET_CAPABILITIES") == 0;
            if (dir == VW_QEMUD_FROM_SERVER && arm->value == VW_QEMUD_SERVER_PKT_FAILURE) {
                /* §1.6: GET_CAPABILITIES (serial 38 here) is denied on a read-only socket */
                m.in_reply_to = VW_QEMUD_CLIENT_PKT_MAX;
            }
            add(&b, u, NULL, 0, (uint32_t)arm->value, arm->value);
            build_type(&b, arm->type, arm->name, 1);
            out[0] = (uint8_t)dir;
            vw_xdr_enc_init(&e, out + 1, sizeof(out) - 1);
            if (vw_qemud_encode(&e, &m, b.items, b.n) < 0) {
                die(tname);
            }
            j = (size_t)snprintf(name, sizeof(name), "%s-", dir == 0 ? "client" : "server");
            for (const char *c = tname; *c != '\0' && j + 1 < sizeof(name); c++) {
                name[j++] = *c == '_' ? '-' : (char)tolower((unsigned char)*c);
            }
            name[j] = '\0';
            for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
                vw_mkseeds_write(outdir, targets[t], name, NULL, 0, out, 1 + e.len);
            }
        }
    }
}
