/* qemud_state.c -- the in-memory domains and networks of the qemud reference server and one
 * handler per client packet type; see qemud_state.h.
 *
 * Reply types: a client type t is answered with server type t + 1 (§1.3) on success.
 * Failures (§1.6: FAILURE with {code, message}) for a domain the model does not know, a state
 * the operation cannot start from, or XML without what the model needs.  The 2007 daemon's
 * messages and the codes other than OPERATION_DENIED are not in the facts; these are ours,
 * [UNCONFIRMED], in the daemon's style ("no domain with matching id 9").
 * XML: the model reads <name>, <uuid>, <memory> (KiB) and <vcpu> of a domain, and <name>,
 * <uuid> and <bridge name='...'/> of a network; nothing else is checked. */
#include "qemud_state.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* §1.3 client packet types */
enum {
    GET_VERSION, GET_NODEINFO, LIST_DOMAINS, NUM_DOMAINS, DOMAIN_CREATE, DOMAIN_LOOKUP_BY_ID,
    DOMAIN_LOOKUP_BY_UUID, DOMAIN_LOOKUP_BY_NAME, DOMAIN_SUSPEND, DOMAIN_RESUME, DOMAIN_DESTROY,
    DOMAIN_GET_INFO, DOMAIN_SAVE, DOMAIN_RESTORE, DUMP_XML, LIST_DEFINED_DOMAINS,
    NUM_DEFINED_DOMAINS, DOMAIN_START, DOMAIN_DEFINE, DOMAIN_UNDEFINE, NUM_NETWORKS,
    LIST_NETWORKS, NUM_DEFINED_NETWORKS, LIST_DEFINED_NETWORKS, NETWORK_LOOKUP_BY_UUID,
    NETWORK_LOOKUP_BY_NAME, NETWORK_CREATE, NETWORK_DEFINE, NETWORK_UNDEFINE, NETWORK_START,
    NETWORK_DESTROY, NETWORK_DUMP_XML, NETWORK_GET_BRIDGE_NAME, DOMAIN_GET_AUTOSTART,
    DOMAIN_SET_AUTOSTART, NETWORK_GET_AUTOSTART, NETWORK_SET_AUTOSTART, GET_CAPABILITIES,
};

#define VW_QS_VERSION 9000u          /* versionNum: QEMU 0.9.0, the QEMU of early 2007 */
#define VW_QS_CAPS                                                                          \
    "<capabilities><host><cpu><arch>x86_64</arch></cpu></host><guest><os_type>hvm"        \
    "</os_type><arch name='x86_64'><domain type='qemu'/></arch></guest></capabilities>"

static const uint8_t uuid_test[16] = { 0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04,
                                       0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e, 0x19, 0x3f };
static const uint8_t uuid_vm1[16] = { 0x8c, 0x3c, 0x1f, 0xd2, 0x58, 0xa1, 0x4a, 0x52,
                                      0x9f, 0x9b, 0x3d, 0x0e, 0x7c, 0x6b, 0x1a, 0x01 };
static const uint8_t uuid_default[16] = { 0x0b, 0x3c, 0x5e, 0x1a, 0x6c, 0x2d, 0x4e, 0x8f,
                                          0x9a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50, 0x61 };
static const uint8_t uuid_isolated[16] = { 0x0b, 0x3c, 0x5e, 0x1a, 0x6c, 0x2d, 0x4e, 0x8f,
                                           0x9a, 0x0b, 0x1c, 0x2d, 0x3e, 0x4f, 0x50, 0x62 };

static bool allowed_ro[VW_QEMUD_CLIENT_PKT_MAX] = {
    [GET_VERSION] = true, [GET_NODEINFO] = true, [LIST_DOMAINS] = true, [NUM_DOMAINS] = true,
    [DOMAIN_LOOKUP_BY_ID] = true, [DOMAIN_LOOKUP_BY_UUID] = true,
    [DOMAIN_LOOKUP_BY_NAME] = true, [DOMAIN_GET_INFO] = true, [DUMP_XML] = true,
    [LIST_DEFINED_DOMAINS] = true, [NUM_DEFINED_DOMAINS] = true, [NUM_NETWORKS] = true,
    [LIST_NETWORKS] = true, [NUM_DEFINED_NETWORKS] = true, [LIST_DEFINED_NETWORKS] = true,
    [NETWORK_LOOKUP_BY_UUID] = true, [NETWORK_LOOKUP_BY_NAME] = true,
    [NETWORK_DUMP_XML] = true, [NETWORK_GET_BRIDGE_NAME] = true,
    [DOMAIN_GET_AUTOSTART] = true, [NETWORK_GET_AUTOSTART] = true,
};

bool vw_qs_allowed_read_only(int32_t type) {
    return type >= 0 && type < VW_QEMUD_CLIENT_PKT_MAX && allowed_ro[type];
}

void vw_qs_init(struct vw_qs_state *s) {
    memset(s, 0, sizeof(*s));
    s->domains[0] = (struct vw_qs_domain){ .used = true, .persistent = true, .id = 1,
                                           .runstate = VW_QS_RUNNING, .memory = 524288,
                                           .maxmem = 524288, .vcpus = 2,
                                           .cpu_time = 1500000000u, .name = "test" };
    memcpy(s->domains[0].uuid, uuid_test, 16);
    s->domains[1] = (struct vw_qs_domain){ .used = true, .persistent = true, .id = -1,
                                           .runstate = VW_QS_STOPPED, .memory = 1048576,
                                           .maxmem = 1048576, .vcpus = 1, .name = "vm1" };
    memcpy(s->domains[1].uuid, uuid_vm1, 16);
    s->networks[0] = (struct vw_qs_network){ .used = true, .persistent = true, .autostart = true,
                                             .active = true, .name = "default",
                                             .bridge = "virbr0" };
    memcpy(s->networks[0].uuid, uuid_default, 16);
    s->networks[1] = (struct vw_qs_network){ .used = true, .persistent = true,
                                             .name = "isolated", .bridge = "virbr1" };
    memcpy(s->networks[1].uuid, uuid_isolated, 16);
    s->next_id = 2;
    s->next_uuid = 1;
}

/* ---- reply helpers ---- */

__attribute__((format(printf, 3, 4)))
static void fail(struct vw_qs_reply *rep, uint32_t code, const char *fmt, ...) {
    va_list ap;
    int n;

    rep->type = VW_QEMUD_SERVER_PKT_FAILURE;
    rep->num_nums = 0;
    rep->nums[rep->num_nums].name = "code";
    rep->nums[rep->num_nums++].v = code;
    rep->text_field = "message";
    va_start(ap, fmt);
    n = vsnprintf(rep->text, VW_QEMUD_MAX_ERROR_LEN, fmt, ap);  /* keeps a NUL (§1.4) */
    va_end(ap);
    rep->text_len = n < 0 ? 0 : (size_t)n >= VW_QEMUD_MAX_ERROR_LEN
                                    ? VW_QEMUD_MAX_ERROR_LEN - 1 : (size_t)n;
}

static void num(struct vw_qs_reply *rep, const char *name, uint64_t v) {
    if (rep->num_nums < VW_QS_NUMS_MAX) {
        rep->nums[rep->num_nums].name = name;
        rep->nums[rep->num_nums++].v = v;
    }
}

static void text(struct vw_qs_reply *rep, const char *field, const char *s) {
    size_t n = strlen(s);

    rep->text_field = field;
    rep->text_len = n < VW_QS_TEXT_MAX ? n : VW_QS_TEXT_MAX;
    memcpy(rep->text, s, rep->text_len);
}

/* names packs the names of |count| objects at i * QEMUD_MAX_NAME_LEN (§1.4, LV-DISP). */
static void names_at(struct vw_qs_reply *rep, const char *field, size_t i, const char *name) {
    size_t at = i * VW_QEMUD_MAX_NAME_LEN;

    rep->text_field = field;
    if (at + VW_QEMUD_MAX_NAME_LEN <= VW_QS_TEXT_MAX) {
        memset(rep->text + at, 0, VW_QEMUD_MAX_NAME_LEN);
        memcpy(rep->text + at, name, strnlen(name, VW_QEMUD_MAX_NAME_LEN - 1));
        rep->text_len = at + VW_QEMUD_MAX_NAME_LEN;
    }
}

static void uuid_text(const uint8_t *u, char out[37]) {
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
             u[15]);
}

/* ---- XML, just enough ---- */

/* xml_element copies the text of the first <tag>...</tag> (or <tag attrs>...</tag>) of |xml|
 * into |out| (|cap| bytes with the NUL); returns false when missing or too long. */
static bool xml_element(const char *xml, const char *tag, char *out, size_t cap) {
    char open[32], close[32];
    const char *p, *q;

    snprintf(open, sizeof(open), "<%s", tag);
    snprintf(close, sizeof(close), "</%s>", tag);
    for (p = strstr(xml, open); p != NULL; p = strstr(p + 1, open)) {
        char after = p[strlen(open)];
        if (after == '>' || after == ' ') {
            break;
        }
    }
    if (p == NULL || (p = strchr(p, '>')) == NULL || (q = strstr(++p, close)) == NULL ||
        (size_t)(q - p) >= cap) {
        return false;
    }
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return true;
}

/* xml_bridge reads <bridge name='X'/> (either quote). */
static bool xml_bridge(const char *xml, char *out, size_t cap) {
    const char *p = strstr(xml, "<bridge"), *q;
    char quote;

    if (p == NULL || (p = strstr(p, "name=")) == NULL) {
        return false;
    }
    quote = p[5];
    if ((quote != '\'' && quote != '"') || (q = strchr(p + 6, quote)) == NULL ||
        q == p + 6 || (size_t)(q - (p + 6)) >= cap) {
        return false;
    }
    memcpy(out, p + 6, (size_t)(q - (p + 6)));
    out[q - (p + 6)] = '\0';
    return true;
}

/* parse_uuid reads 32 hex digits, dashes allowed between them. */
static bool parse_uuid(const char *s, uint8_t out[16]) {
    uint8_t u[16];
    size_t k = 0;

    for (; *s != '\0'; s++) {
        int v;
        if (*s == '-') {
            continue;
        }
        if (*s >= '0' && *s <= '9') {
            v = *s - '0';
        } else if (*s >= 'a' && *s <= 'f') {
            v = *s - 'a' + 10;
        } else if (*s >= 'A' && *s <= 'F') {
            v = *s - 'A' + 10;
        } else {
            return false;
        }
        if (k == 32) {
            return false;
        }
        u[k / 2] = (uint8_t)(k % 2 == 0 ? v << 4 : (u[k / 2] | v));
        k++;
    }
    if (k != 32) {
        return false;
    }
    memcpy(out, u, 16);
    return true;
}

static uint32_t xml_uint(const char *xml, const char *tag, uint32_t dflt) {
    char buf[16], *end;
    unsigned long v;

    if (!xml_element(xml, tag, buf, sizeof(buf))) {
        return dflt;
    }
    v = strtoul(buf, &end, 10);
    return *buf == '\0' || *end != '\0' || v == 0 || v > UINT32_MAX ? dflt : (uint32_t)v;
}

static void new_uuid(struct vw_qs_state *s, uint8_t out[16]) {
    static const uint8_t prefix[12] = { 0x5f, 0x1e, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00,
                                        0x80, 0x00, 0x00, 0x00 };
    memcpy(out, prefix, 12);
    out[12] = (uint8_t)(s->next_uuid >> 24);
    out[13] = (uint8_t)(s->next_uuid >> 16);
    out[14] = (uint8_t)(s->next_uuid >> 8);
    out[15] = (uint8_t)s->next_uuid;
    s->next_uuid++;
}

/* ---- lookups: a transient domain saved to a file exists only in that file ---- */

static bool visible(const struct vw_qs_domain *d) {
    return d->used && (d->persistent || d->id >= 0);
}

static struct vw_qs_domain *dom_by_id(struct vw_qs_state *s, int32_t id) {
    for (size_t i = 0; i < VW_QS_DOMAINS_MAX; i++) {
        if (s->domains[i].used && id >= 0 && s->domains[i].id == id) {
            return &s->domains[i];
        }
    }
    return NULL;
}

static struct vw_qs_domain *dom_by_uuid(struct vw_qs_state *s, const uint8_t *uuid) {
    for (size_t i = 0; i < VW_QS_DOMAINS_MAX; i++) {
        if (visible(&s->domains[i]) && memcmp(s->domains[i].uuid, uuid, 16) == 0) {
            return &s->domains[i];
        }
    }
    return NULL;
}

static struct vw_qs_domain *dom_by_name(struct vw_qs_state *s, const char *name) {
    for (size_t i = 0; i < VW_QS_DOMAINS_MAX; i++) {
        if (visible(&s->domains[i]) && strcmp(s->domains[i].name, name) == 0) {
            return &s->domains[i];
        }
    }
    return NULL;
}

static struct vw_qs_network *net_by_uuid(struct vw_qs_state *s, const uint8_t *uuid) {
    for (size_t i = 0; i < VW_QS_NETWORKS_MAX; i++) {
        if (s->networks[i].used && memcmp(s->networks[i].uuid, uuid, 16) == 0) {
            return &s->networks[i];
        }
    }
    return NULL;
}

static struct vw_qs_network *net_by_name(struct vw_qs_state *s, const char *name) {
    for (size_t i = 0; i < VW_QS_NETWORKS_MAX; i++) {
        if (s->networks[i].used && strcmp(s->networks[i].name, name) == 0) {
            return &s->networks[i];
        }
    }
    return NULL;
}

/* ---- domains ---- */

static void dom_xml(const struct vw_qs_domain *d, struct vw_qs_reply *rep) {
    char u[37], id[24] = "", buf[512];

    uuid_text(d->uuid, u);
    if (d->id >= 0) {
        snprintf(id, sizeof(id), " id='%d'", d->id);
    }
    snprintf(buf, sizeof(buf),
             "<domain type='qemu'%s><name>%s</name><uuid>%s</uuid><memory>%u</memory>"
             "<currentMemory>%u</currentMemory><vcpu>%u</vcpu><os><type>hvm</type></os>"
             "</domain>",
             id, d->name, u, d->maxmem, d->memory, d->vcpus);
    text(rep, "xml", buf);
}

/* dom_from_xml fills |d| from a create or define request; returns false (|rep| a FAILURE)
 * when the XML names no domain or collides with one the model has. */
static struct vw_qs_domain *dom_from_xml(struct vw_qs_state *s, const char *xml, bool define,
                                         struct vw_qs_reply *rep) {
    struct vw_qs_domain *d = NULL, *old;
    char name[VW_QEMUD_MAX_NAME_LEN], ustr[64];
    uint8_t uuid[16];
    bool have_uuid = xml_element(xml, "uuid", ustr, sizeof(ustr));

    if (strstr(xml, "<domain") == NULL || !xml_element(xml, "name", name, sizeof(name)) ||
        name[0] == '\0') {
        fail(rep, VW_QS_ERR_XML_ERROR, "XML description has no domain name");
        return NULL;
    }
    if (have_uuid && !parse_uuid(ustr, uuid)) {
        fail(rep, VW_QS_ERR_XML_ERROR, "malformed uuid element");
        return NULL;
    }
    old = dom_by_name(s, name);
    if (old != NULL && (!define || old->id >= 0 ||
                        (have_uuid && memcmp(old->uuid, uuid, 16) != 0))) {
        fail(rep, VW_QS_ERR_DOM_EXIST, "domain '%s' is already defined", name);
        return NULL;
    }
    if (old == NULL && have_uuid && dom_by_uuid(s, uuid) != NULL) {
        fail(rep, VW_QS_ERR_DOM_EXIST, "domain with uuid %s is already defined", ustr);
        return NULL;
    }
    if (old != NULL) {
        d = old;        /* define again: the new configuration replaces the old */
    } else {
        for (size_t i = 0; i < VW_QS_DOMAINS_MAX && d == NULL; i++) {
            if (!s->domains[i].used) {
                d = &s->domains[i];
            }
        }
        if (d == NULL) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "too many domains (%d)", VW_QS_DOMAINS_MAX);
            return NULL;
        }
        *d = (struct vw_qs_domain){ .used = true, .id = -1, .runstate = VW_QS_STOPPED };
        memcpy(d->name, name, sizeof(name));
        if (have_uuid) {
            memcpy(d->uuid, uuid, 16);
        } else {
            new_uuid(s, d->uuid);
        }
    }
    d->memory = d->maxmem = xml_uint(xml, "memory", 131072);
    d->vcpus = xml_uint(xml, "vcpu", 1);
    return d;
}

static void dom_start(struct vw_qs_state *s, struct vw_qs_domain *d) {
    d->id = s->next_id++;
    d->runstate = VW_QS_RUNNING;
    d->saved = false;
}

/* dom_stop ends |d|; a transient domain is gone, unless it was saved to a file. */
static void dom_stop(struct vw_qs_domain *d) {
    d->id = -1;
    d->runstate = VW_QS_STOPPED;
    d->cpu_time = 0;
    if (!d->persistent && !d->saved) {
        d->used = false;
    }
}

static void reply_ids(struct vw_qs_state *s, struct vw_qs_reply *rep, bool list) {
    int32_t n = 0;

    for (size_t i = 0; i < VW_QS_DOMAINS_MAX; i++) {
        if (s->domains[i].used && s->domains[i].id >= 0) {
            rep->ids[n++] = s->domains[i].id;
        }
    }
    rep->num_ids = list ? (size_t)n : 0;
    num(rep, "numDomains", (uint32_t)n);
}

static void reply_defined(struct vw_qs_state *s, struct vw_qs_reply *rep, bool list) {
    uint32_t n = 0;

    for (size_t i = 0; i < VW_QS_DOMAINS_MAX; i++) {
        const struct vw_qs_domain *d = &s->domains[i];
        if (visible(d) && d->id < 0) {
            if (list) {
                names_at(rep, "domains", n, d->name);
            }
            n++;
        }
    }
    num(rep, "numDomains", n);
}

static void reply_networks(struct vw_qs_state *s, struct vw_qs_reply *rep, bool active,
                           bool list) {
    uint32_t n = 0;

    for (size_t i = 0; i < VW_QS_NETWORKS_MAX; i++) {
        const struct vw_qs_network *w = &s->networks[i];
        if (w->used && w->active == active) {
            if (list) {
                names_at(rep, "networks", n, w->name);
            }
            n++;
        }
    }
    num(rep, "numNetworks", n);
}

/* handle_domain performs the domain packets; returns false for a type it does not know. */
static bool handle_domain(struct vw_qs_state *s, int32_t type, const struct vw_qs_req *q,
                          struct vw_qs_reply *rep) {
    struct vw_qs_domain *d;
    char u[37];

    switch (type) {
    case DOMAIN_CREATE:
        if ((d = dom_from_xml(s, q->xml, false, rep)) != NULL) {
            dom_start(s, d);
            num(rep, "id", (uint32_t)d->id);
            memcpy(rep->uuid, d->uuid, 16);
            text(rep, "name", d->name);
        }
        return true;
    case DOMAIN_DEFINE:
        if ((d = dom_from_xml(s, q->xml, true, rep)) != NULL) {
            d->persistent = true;
            memcpy(rep->uuid, d->uuid, 16);
            text(rep, "name", d->name);
        }
        return true;
    case DOMAIN_LOOKUP_BY_ID:
    case DOMAIN_SUSPEND:
    case DOMAIN_RESUME:
    case DOMAIN_DESTROY:
    case DOMAIN_SAVE:
        if ((d = dom_by_id(s, q->id)) == NULL) {
            fail(rep, VW_QS_ERR_INVALID_DOMAIN, "no domain with matching id %d", q->id);
            return true;
        }
        break;
    case DOMAIN_LOOKUP_BY_NAME:
        if ((d = dom_by_name(s, q->name)) == NULL) {
            fail(rep, VW_QS_ERR_INVALID_DOMAIN, "no domain with matching name '%s'", q->name);
            return true;
        }
        break;
    case DOMAIN_RESTORE:
        d = NULL;
        for (size_t i = 0; i < VW_QS_DOMAINS_MAX && d == NULL; i++) {
            if (s->domains[i].used && s->domains[i].saved &&
                strcmp(s->domains[i].file, q->file) == 0) {
                d = &s->domains[i];
            }
        }
        if (d == NULL) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "cannot read domain image %s", q->file);
        } else if (dom_by_name(s, d->name) != NULL && dom_by_name(s, d->name) != d) {
            fail(rep, VW_QS_ERR_DOM_EXIST, "domain '%s' is already defined", d->name);
        } else {
            dom_start(s, d);
            num(rep, "id", (uint32_t)d->id);
        }
        return true;
    case DOMAIN_LOOKUP_BY_UUID:
    case DOMAIN_GET_INFO:
    case DUMP_XML:
    case DOMAIN_START:
    case DOMAIN_UNDEFINE:
    case DOMAIN_GET_AUTOSTART:
    case DOMAIN_SET_AUTOSTART:
        if ((d = dom_by_uuid(s, q->uuid)) == NULL) {
            uuid_text(q->uuid, u);
            fail(rep, VW_QS_ERR_INVALID_DOMAIN, "no domain with matching uuid %s", u);
            return true;
        }
        break;
    default:
        return false;
    }
    switch (type) {
    case DOMAIN_LOOKUP_BY_ID:
        memcpy(rep->uuid, d->uuid, 16);
        text(rep, "name", d->name);
        break;
    case DOMAIN_LOOKUP_BY_NAME:
        num(rep, "id", (uint32_t)d->id);
        memcpy(rep->uuid, d->uuid, 16);
        break;
    case DOMAIN_LOOKUP_BY_UUID:
        num(rep, "id", (uint32_t)d->id);
        text(rep, "name", d->name);
        break;
    case DOMAIN_SUSPEND:
        /* a paused domain stays paused: success, as the 2007 driver returned 0 */
        d->runstate = VW_QS_PAUSED;
        break;
    case DOMAIN_RESUME:
        d->runstate = VW_QS_RUNNING;
        break;
    case DOMAIN_DESTROY:
        dom_stop(d);
        break;
    case DOMAIN_SAVE:
        if (q->file[0] == '\0') {
            fail(rep, VW_QS_ERR_INVALID_ARG, "no file name to save to");
            break;
        }
        memcpy(d->file, q->file, sizeof(d->file));
        d->saved = true;
        dom_stop(d);
        break;
    case DOMAIN_GET_INFO:
        num(rep, "cpuTime", d->cpu_time);
        num(rep, "runstate", d->runstate);
        num(rep, "memory", d->memory);
        num(rep, "maxmem", d->maxmem);
        num(rep, "nrVirtCpu", d->vcpus);
        break;
    case DUMP_XML:
        dom_xml(d, rep);
        break;
    case DOMAIN_START:
        if (d->id >= 0) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "domain is already active as '%d'", d->id);
            break;
        }
        dom_start(s, d);
        num(rep, "id", (uint32_t)d->id);
        break;
    case DOMAIN_UNDEFINE:
        if (d->id >= 0) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "cannot delete active domain");
            break;
        }
        d->used = false;
        break;
    case DOMAIN_GET_AUTOSTART:
        num(rep, "autostart", d->autostart ? 1 : 0);
        break;
    case DOMAIN_SET_AUTOSTART:
        d->autostart = q->autostart != 0;
        break;
    default:
        break;
    }
    return true;
}

/* ---- networks ---- */

static struct vw_qs_network *net_from_xml(struct vw_qs_state *s, const char *xml,
                                          struct vw_qs_reply *rep) {
    struct vw_qs_network *w = NULL;
    char name[VW_QEMUD_MAX_NAME_LEN], ustr[64];
    bool have_uuid = xml_element(xml, "uuid", ustr, sizeof(ustr));
    uint8_t uuid[16];
    size_t slot = 0;

    if (strstr(xml, "<network") == NULL || !xml_element(xml, "name", name, sizeof(name)) ||
        name[0] == '\0') {
        fail(rep, VW_QS_ERR_XML_ERROR, "XML description has no network name");
        return NULL;
    }
    if (have_uuid && !parse_uuid(ustr, uuid)) {
        fail(rep, VW_QS_ERR_XML_ERROR, "malformed uuid element");
        return NULL;
    }
    if (net_by_name(s, name) != NULL || (have_uuid && net_by_uuid(s, uuid) != NULL)) {
        fail(rep, VW_QS_ERR_NETWORK_EXIST, "network '%s' is already defined", name);
        return NULL;
    }
    for (size_t i = 0; i < VW_QS_NETWORKS_MAX && w == NULL; i++) {
        if (!s->networks[i].used) {
            w = &s->networks[i];
            slot = i;
        }
    }
    if (w == NULL) {
        fail(rep, VW_QS_ERR_OPERATION_FAILED, "too many networks (%d)", VW_QS_NETWORKS_MAX);
        return NULL;
    }
    *w = (struct vw_qs_network){ .used = true };
    memcpy(w->name, name, sizeof(name));
    if (have_uuid) {
        memcpy(w->uuid, uuid, 16);
    } else {
        new_uuid(s, w->uuid);
    }
    if (!xml_bridge(xml, w->bridge, sizeof(w->bridge))) {
        snprintf(w->bridge, sizeof(w->bridge), "virbr%zu", slot);
    }
    return w;
}

static bool handle_network(struct vw_qs_state *s, int32_t type, const struct vw_qs_req *q,
                           struct vw_qs_reply *rep) {
    struct vw_qs_network *w;
    char u[37], buf[512];

    switch (type) {
    case NETWORK_CREATE:
    case NETWORK_DEFINE:
        if ((w = net_from_xml(s, q->xml, rep)) != NULL) {
            w->active = type == NETWORK_CREATE;
            w->persistent = type == NETWORK_DEFINE;
            memcpy(rep->uuid, w->uuid, 16);
            text(rep, "name", w->name);
        }
        return true;
    case NETWORK_LOOKUP_BY_NAME:
        if ((w = net_by_name(s, q->name)) == NULL) {
            fail(rep, VW_QS_ERR_INVALID_NETWORK, "no network with matching name '%s'",
                 q->name);
            return true;
        }
        break;
    case NETWORK_LOOKUP_BY_UUID:
    case NETWORK_UNDEFINE:
    case NETWORK_START:
    case NETWORK_DESTROY:
    case NETWORK_DUMP_XML:
    case NETWORK_GET_BRIDGE_NAME:
    case NETWORK_GET_AUTOSTART:
    case NETWORK_SET_AUTOSTART:
        if ((w = net_by_uuid(s, q->uuid)) == NULL) {
            uuid_text(q->uuid, u);
            fail(rep, VW_QS_ERR_INVALID_NETWORK, "no network with matching uuid %s", u);
            return true;
        }
        break;
    default:
        return false;
    }
    switch (type) {
    case NETWORK_LOOKUP_BY_NAME:
        num(rep, "id", 0);      /* networks have no id; the 2007 reply carries one: 0 */
        memcpy(rep->uuid, w->uuid, 16);
        break;
    case NETWORK_LOOKUP_BY_UUID:
        num(rep, "id", 0);
        text(rep, "name", w->name);
        break;
    case NETWORK_UNDEFINE:
        if (w->active) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "network is still active");
            break;
        }
        w->used = false;
        break;
    case NETWORK_START:
        if (w->active) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "network is already active");
            break;
        }
        w->active = true;
        break;
    case NETWORK_DESTROY:
        if (!w->active) {
            fail(rep, VW_QS_ERR_OPERATION_FAILED, "network is not active");
            break;
        }
        w->active = false;
        w->used = w->persistent;    /* a created network is gone */
        break;
    case NETWORK_DUMP_XML:
        uuid_text(w->uuid, u);
        snprintf(buf, sizeof(buf), "<network><name>%s</name><uuid>%s</uuid>"
                 "<bridge name='%s'/></network>", w->name, u, w->bridge);
        text(rep, "xml", buf);
        break;
    case NETWORK_GET_BRIDGE_NAME:
        text(rep, "ifname", w->bridge);
        break;
    case NETWORK_GET_AUTOSTART:
        num(rep, "autostart", w->autostart ? 1 : 0);
        break;
    case NETWORK_SET_AUTOSTART:
        w->autostart = q->autostart != 0;
        break;
    default:
        break;
    }
    return true;
}

void vw_qs_handle(struct vw_qs_state *s, int32_t type, const struct vw_qs_req *q,
                  bool read_only, struct vw_qs_reply *rep) {
    memset(rep, 0, sizeof(*rep));
    rep->type = type + 1;       /* §1.3: the server value is the client value + 1 */
    if (read_only && !vw_qs_allowed_read_only(type)) {
        /* §1.6: denied on a read-only socket with VIR_ERR_OPERATION_DENIED */
        fail(rep, VW_QS_ERR_OPERATION_DENIED, "operation denied: read-only connection");
        return;
    }
    switch (type) {
    case GET_VERSION:
        num(rep, "versionNum", VW_QS_VERSION);
        return;
    case GET_NODEINFO:
        text(rep, "model", "x86_64");
        num(rep, "memory", 2097152);
        num(rep, "cpus", 4);
        num(rep, "mhz", 2400);
        num(rep, "nodes", 1);
        num(rep, "sockets", 1);
        num(rep, "cores", 2);
        num(rep, "threads", 2);
        return;
    case LIST_DOMAINS:
    case NUM_DOMAINS:
        reply_ids(s, rep, type == LIST_DOMAINS);
        return;
    case LIST_DEFINED_DOMAINS:
    case NUM_DEFINED_DOMAINS:
        reply_defined(s, rep, type == LIST_DEFINED_DOMAINS);
        return;
    case NUM_NETWORKS:
    case LIST_NETWORKS:
        reply_networks(s, rep, true, type == LIST_NETWORKS);
        return;
    case NUM_DEFINED_NETWORKS:
    case LIST_DEFINED_NETWORKS:
        reply_networks(s, rep, false, type == LIST_DEFINED_NETWORKS);
        return;
    case GET_CAPABILITIES:
        text(rep, "xml", VW_QS_CAPS);
        return;
    default:
        break;
    }
    if (!handle_domain(s, type, q, rep) && !handle_network(s, type, q, rep)) {
        fail(rep, VW_QS_ERR_INTERNAL_ERROR, "unknown packet type %d", type);
    }
}
