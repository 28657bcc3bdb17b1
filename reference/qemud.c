/* qemud.c -- libvirt's 2007 qemud XDR protocol; see qemud.h.
 *
 * Every struct below is historic-qemud-openhook-qga.md §1.4, field order as declared; the
 * type names drop the common prefix "qemud_packet_".  Sizes in the comments are §1.5's. */
#include "qemud.h"
#include "planted.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* §1.5: fixed `char x[N]` is xdr_vector of xdr_char, `unsigned char uuid[16]` of xdr_u_char:
 * one 4-byte XDR int per element, no length prefix. */
#define VECTOR(var, tname, size, elem_type)                                                  \
    static const struct vw_xs_type var = { .kind = VW_XS_VECTOR, .name = tname, .n = (size), \
                                           .elem = &(elem_type) }

VECTOR(t_uuid, "unsigned char[QEMUD_UUID_RAW_LEN]", VW_QEMUD_UUID_RAW_LEN, vw_xs_uchar);
VECTOR(t_name, "char[QEMUD_MAX_NAME_LEN]", VW_QEMUD_MAX_NAME_LEN, vw_xs_char);
VECTOR(t_xml, "char[QEMUD_MAX_XML_LEN]", VW_QEMUD_MAX_XML_LEN, vw_xs_char);
VECTOR(t_path, "char[PATH_MAX]", VW_QEMUD_PATH_MAX, vw_xs_char);
VECTOR(t_error, "char[QEMUD_MAX_ERROR_LEN]", VW_QEMUD_MAX_ERROR_LEN, vw_xs_char);
VECTOR(t_model, "char[32]", VW_QEMUD_MODEL_LEN, vw_xs_char);
VECTOR(t_ifname, "char[QEMUD_MAX_IFNAME_LEN]", VW_QEMUD_MAX_IFNAME_LEN, vw_xs_char);
VECTOR(t_domain_names, "char[QEMUD_MAX_DOMAINS_NAME_BUF]", VW_QEMUD_MAX_DOMAINS_NAME_BUF,
       vw_xs_char);
VECTOR(t_network_names, "char[QEMUD_MAX_NETWORKS_NAME_BUF]", VW_QEMUD_MAX_NETWORKS_NAME_BUF,
       vw_xs_char);
VECTOR(t_domain_ids, "int32_t[QEMUD_MAX_NUM_DOMAINS]", VW_QEMUD_MAX_NUM_DOMAINS, vw_xs_int);

#define STRUCT(var, tname, ...)                                                         \
    static const struct vw_xs_field var##_fields[] = { __VA_ARGS__ };                  \
    static const struct vw_xs_type var = { .kind = VW_XS_STRUCT, .name = tname,        \
                                           .fields = var##_fields,                     \
                                           .num_fields = COUNT(var##_fields) }

#define F_UUID { "uuid", &t_uuid }
#define F_NAME { "name", &t_name }
#define F_XML { "xml", &t_xml }
#define F_ID { "id", &vw_xs_int }

STRUCT(s_failure_reply, "failure_reply",                               /* 4100 bytes */
       { "code", &vw_xs_uint }, { "message", &t_error });
STRUCT(s_get_version_reply, "get_version_reply", { "versionNum", &vw_xs_uint });
STRUCT(s_get_node_info_reply, "get_node_info_reply",                   /* 156 bytes */
       { "model", &t_model }, { "memory", &vw_xs_uint }, { "cpus", &vw_xs_uint },
       { "mhz", &vw_xs_uint }, { "nodes", &vw_xs_uint }, { "sockets", &vw_xs_uint },
       { "cores", &vw_xs_uint }, { "threads", &vw_xs_uint });
STRUCT(s_get_capabilities_reply, "get_capabilities_reply", F_XML);
STRUCT(s_list_domains_reply, "list_domains_reply",                     /* 404 bytes */
       { "numDomains", &vw_xs_int }, { "domains", &t_domain_ids });
STRUCT(s_num_domains_reply, "num_domains_reply", { "numDomains", &vw_xs_int });
STRUCT(s_domain_create_request, "domain_create_request", F_XML);       /* 16384 bytes */
STRUCT(s_domain_create_reply, "domain_create_reply", F_ID, F_UUID, F_NAME);  /* 268 */
STRUCT(s_domain_lookup_by_id_request, "domain_lookup_by_id_request", F_ID);
STRUCT(s_domain_lookup_by_id_reply, "domain_lookup_by_id_reply", F_UUID, F_NAME);  /* 264 */
STRUCT(s_domain_lookup_by_name_request, "domain_lookup_by_name_request", F_NAME);  /* 200 */
STRUCT(s_domain_lookup_by_name_reply, "domain_lookup_by_name_reply", F_ID, F_UUID);  /* 68 */
STRUCT(s_domain_lookup_by_uuid_request, "domain_lookup_by_uuid_request", F_UUID);  /* 64 */
STRUCT(s_domain_lookup_by_uuid_reply, "domain_lookup_by_uuid_reply", F_ID, F_NAME);  /* 204 */
STRUCT(s_domain_suspend_request, "domain_suspend_request", F_ID);
STRUCT(s_domain_resume_request, "domain_resume_request", F_ID);
STRUCT(s_domain_destroy_request, "domain_destroy_request", F_ID);
STRUCT(s_domain_get_info_request, "domain_get_info_request", F_UUID);  /* by UUID, not id */
STRUCT(s_domain_get_info_reply, "domain_get_info_reply",               /* 24 bytes */
       { "cpuTime", &vw_xs_uhyper }, { "runstate", &vw_xs_uint }, { "memory", &vw_xs_uint },
       { "maxmem", &vw_xs_uint }, { "nrVirtCpu", &vw_xs_uint });
STRUCT(s_domain_save_request, "domain_save_request",                   /* 16388 bytes */
       F_ID, { "file", &t_path });
STRUCT(s_domain_restore_request, "domain_restore_request", { "file", &t_path });
STRUCT(s_domain_restore_reply, "domain_restore_reply", F_ID);
STRUCT(s_domain_dump_xml_request, "domain_dump_xml_request", F_UUID);
STRUCT(s_domain_dump_xml_reply, "domain_dump_xml_reply", F_XML);
STRUCT(s_list_defined_domains_reply, "list_defined_domains_reply",     /* 20004 bytes */
       { "numDomains", &vw_xs_uint }, { "domains", &t_domain_names });
STRUCT(s_num_defined_domains_reply, "num_defined_domains_reply", { "numDomains", &vw_xs_uint });
STRUCT(s_domain_start_request, "domain_start_request", F_UUID);
STRUCT(s_domain_start_reply, "domain_start_reply", F_ID);
STRUCT(s_domain_define_request, "domain_define_request", F_XML);
STRUCT(s_domain_define_reply, "domain_define_reply", F_UUID, F_NAME);
STRUCT(s_domain_undefine_request, "domain_undefine_request", F_UUID);
STRUCT(s_num_networks_reply, "num_networks_reply", { "numNetworks", &vw_xs_uint });
STRUCT(s_list_networks_reply, "list_networks_reply",
       { "numNetworks", &vw_xs_uint }, { "networks", &t_network_names });
STRUCT(s_num_defined_networks_reply, "num_defined_networks_reply",
       { "numNetworks", &vw_xs_uint });
STRUCT(s_list_defined_networks_reply, "list_defined_networks_reply",
       { "numNetworks", &vw_xs_uint }, { "networks", &t_network_names });
STRUCT(s_network_lookup_by_uuid_request, "network_lookup_by_uuid_request", F_UUID);
STRUCT(s_network_lookup_by_uuid_reply, "network_lookup_by_uuid_reply", F_ID, F_NAME);
STRUCT(s_network_lookup_by_name_request, "network_lookup_by_name_request", F_NAME);
STRUCT(s_network_lookup_by_name_reply, "network_lookup_by_name_reply", F_ID, F_UUID);
STRUCT(s_network_create_request, "network_create_request", F_XML);
STRUCT(s_network_create_reply, "network_create_reply", F_UUID, F_NAME);
STRUCT(s_network_define_request, "network_define_request", F_XML);
STRUCT(s_network_define_reply, "network_define_reply", F_UUID, F_NAME);
STRUCT(s_network_undefine_request, "network_undefine_request", F_UUID);
STRUCT(s_network_start_request, "network_start_request", F_UUID);
STRUCT(s_network_destroy_request, "network_destroy_request", F_UUID);
STRUCT(s_network_dump_xml_request, "network_dump_xml_request", F_UUID);
STRUCT(s_network_dump_xml_reply, "network_dump_xml_reply", F_XML);
STRUCT(s_network_get_bridge_name_request, "network_get_bridge_name_request", F_UUID);
STRUCT(s_network_get_bridge_name_reply, "network_get_bridge_name_reply",  /* 200 bytes */
       { "ifname", &t_ifname });
STRUCT(s_domain_get_autostart_request, "domain_get_autostart_request", F_UUID);
STRUCT(s_domain_get_autostart_reply, "domain_get_autostart_reply", { "autostart", &vw_xs_uint });
STRUCT(s_domain_set_autostart_request, "domain_set_autostart_request",  /* 68 bytes */
       F_UUID, { "autostart", &vw_xs_uint });
STRUCT(s_network_get_autostart_request, "network_get_autostart_request", F_UUID);
STRUCT(s_network_get_autostart_reply, "network_get_autostart_reply",
       { "autostart", &vw_xs_uint });
STRUCT(s_network_set_autostart_request, "network_set_autostart_request",
       F_UUID, { "autostart", &vw_xs_uint });

/* §1.3: one row per client type: its value, name, client arm, server arm.  The server value
 * is the client value + 1 (FAILURE is 0).  Void arms have no member name. */
#define QEMUD_PKTS(X)                                                                          \
    X(0, "GET_VERSION", NULL, &vw_xs_void, "getVersionReply", &s_get_version_reply)               \
    X(1, "GET_NODEINFO", NULL, &vw_xs_void, "getNodeInfoReply", &s_get_node_info_reply)           \
    X(2, "LIST_DOMAINS", NULL, &vw_xs_void, "listDomainsReply", &s_list_domains_reply)            \
    X(3, "NUM_DOMAINS", NULL, &vw_xs_void, "numDomainsReply", &s_num_domains_reply)               \
    X(4, "DOMAIN_CREATE", "domainCreateRequest", &s_domain_create_request,                        \
      "domainCreateReply", &s_domain_create_reply)                                                \
    X(5, "DOMAIN_LOOKUP_BY_ID", "domainLookupByIDRequest", &s_domain_lookup_by_id_request,        \
      "domainLookupByIDReply", &s_domain_lookup_by_id_reply)                                      \
    X(6, "DOMAIN_LOOKUP_BY_UUID", "domainLookupByUUIDRequest", &s_domain_lookup_by_uuid_request,  \
      "domainLookupByUUIDReply", &s_domain_lookup_by_uuid_reply)                                  \
    X(7, "DOMAIN_LOOKUP_BY_NAME", "domainLookupByNameRequest", &s_domain_lookup_by_name_request,  \
      "domainLookupByNameReply", &s_domain_lookup_by_name_reply)                                  \
    X(8, "DOMAIN_SUSPEND", "domainSuspendRequest", &s_domain_suspend_request, NULL, &vw_xs_void)  \
    X(9, "DOMAIN_RESUME", "domainResumeRequest", &s_domain_resume_request, NULL, &vw_xs_void)     \
    X(10, "DOMAIN_DESTROY", "domainDestroyRequest", &s_domain_destroy_request,                    \
      NULL, &vw_xs_void)                                                                          \
    X(11, "DOMAIN_GET_INFO", "domainGetInfoRequest", &s_domain_get_info_request,                  \
      "domainGetInfoReply", &s_domain_get_info_reply)                                             \
    X(12, "DOMAIN_SAVE", "domainSaveRequest", &s_domain_save_request, NULL, &vw_xs_void)          \
    X(13, "DOMAIN_RESTORE", "domainRestoreRequest", &s_domain_restore_request,                    \
      "domainRestoreReply", &s_domain_restore_reply)                                              \
    X(14, "DUMP_XML", "domainDumpXMLRequest", &s_domain_dump_xml_request,                         \
      "domainDumpXMLReply", &s_domain_dump_xml_reply)                                             \
    X(15, "LIST_DEFINED_DOMAINS", NULL, &vw_xs_void,                                              \
      "listDefinedDomainsReply", &s_list_defined_domains_reply)                                   \
    X(16, "NUM_DEFINED_DOMAINS", NULL, &vw_xs_void,                                               \
      "numDefinedDomainsReply", &s_num_defined_domains_reply)                                     \
    X(17, "DOMAIN_START", "domainStartRequest", &s_domain_start_request,                          \
      "domainStartReply", &s_domain_start_reply)                                                  \
    X(18, "DOMAIN_DEFINE", "domainDefineRequest", &s_domain_define_request,                       \
      "domainDefineReply", &s_domain_define_reply)                                                \
    X(19, "DOMAIN_UNDEFINE", "domainUndefineRequest", &s_domain_undefine_request,                 \
      NULL, &vw_xs_void)                                                                          \
    X(20, "NUM_NETWORKS", NULL, &vw_xs_void, "numNetworksReply", &s_num_networks_reply)           \
    X(21, "LIST_NETWORKS", NULL, &vw_xs_void, "listNetworksReply", &s_list_networks_reply)        \
    X(22, "NUM_DEFINED_NETWORKS", NULL, &vw_xs_void,                                              \
      "numDefinedNetworksReply", &s_num_defined_networks_reply)                                   \
    X(23, "LIST_DEFINED_NETWORKS", NULL, &vw_xs_void,                                             \
      "listDefinedNetworksReply", &s_list_defined_networks_reply)                                 \
    X(24, "NETWORK_LOOKUP_BY_UUID",                                                               \
      "networkLookupByUUIDRequest", &s_network_lookup_by_uuid_request,                            \
      "networkLookupByUUIDReply", &s_network_lookup_by_uuid_reply)                                \
    X(25, "NETWORK_LOOKUP_BY_NAME",                                                               \
      "networkLookupByNameRequest", &s_network_lookup_by_name_request,                            \
      "networkLookupByNameReply", &s_network_lookup_by_name_reply)                                \
    X(26, "NETWORK_CREATE", "networkCreateRequest", &s_network_create_request,                    \
      "networkCreateReply", &s_network_create_reply)                                              \
    X(27, "NETWORK_DEFINE", "networkDefineRequest", &s_network_define_request,                    \
      "networkDefineReply", &s_network_define_reply)                                              \
    X(28, "NETWORK_UNDEFINE", "networkUndefineRequest", &s_network_undefine_request,              \
      NULL, &vw_xs_void)                                                                          \
    X(29, "NETWORK_START", "networkStartRequest", &s_network_start_request, NULL, &vw_xs_void)    \
    X(30, "NETWORK_DESTROY", "networkDestroyRequest", &s_network_destroy_request,                 \
      NULL, &vw_xs_void)                                                                          \
    X(31, "NETWORK_DUMP_XML", "networkDumpXMLRequest", &s_network_dump_xml_request,               \
      "networkDumpXMLReply", &s_network_dump_xml_reply)                                           \
    X(32, "NETWORK_GET_BRIDGE_NAME",                                                              \
      "networkGetBridgeNameRequest", &s_network_get_bridge_name_request,                          \
      "networkGetBridgeNameReply", &s_network_get_bridge_name_reply)                              \
    X(33, "DOMAIN_GET_AUTOSTART", "domainGetAutostartRequest", &s_domain_get_autostart_request,   \
      "domainGetAutostartReply", &s_domain_get_autostart_reply)                                   \
    X(34, "DOMAIN_SET_AUTOSTART", "domainSetAutostartRequest", &s_domain_set_autostart_request,   \
      NULL, &vw_xs_void)                                                                          \
    X(35, "NETWORK_GET_AUTOSTART", "networkGetAutostartRequest", &s_network_get_autostart_request,\
      "networkGetAutostartReply", &s_network_get_autostart_reply)                                 \
    X(36, "NETWORK_SET_AUTOSTART", "networkSetAutostartRequest", &s_network_set_autostart_request,\
      NULL, &vw_xs_void)                                                                          \
    X(37, "GET_CAPABILITIES", NULL, &vw_xs_void,                                                  \
      "getCapabilitiesReply", &s_get_capabilities_reply)

#define CLIENT_ARM(v, n, carm, ctype, sarm, stype) \
    { .value = (v), .name = (carm), .type = (ctype) },
#define SERVER_ARM(v, n, carm, ctype, sarm, stype) \
    { .value = (v) + 1, .name = (sarm), .type = (stype) },
#define PKT_NAME(v, n, carm, ctype, sarm, stype) [(v)] = (n),

static const struct vw_xs_arm client_arms[] = { QEMUD_PKTS(CLIENT_ARM) };
static const struct vw_xs_arm server_arms[] = {
    { .value = VW_QEMUD_SERVER_PKT_FAILURE, .name = "failureReply", .type = &s_failure_reply },
    QEMUD_PKTS(SERVER_ARM)
};
static const char *const pkt_names[VW_QEMUD_CLIENT_PKT_MAX] = { QEMUD_PKTS(PKT_NAME) };

/* §1.3: no default arm, so a discriminant outside the enum fails (rpcgen returns FALSE). */
static const struct vw_xs_type u_client = {
    .kind = VW_XS_UNION, .name = "qemud_packet_client_data",
    .arms = client_arms, .num_arms = COUNT(client_arms),
};
static const struct vw_xs_type u_server = {
    .kind = VW_XS_UNION, .name = "qemud_packet_server_data",
    .arms = server_arms, .num_arms = COUNT(server_arms),
};

_Static_assert(COUNT(client_arms) == VW_QEMUD_CLIENT_PKT_MAX, "38 client types (§1.3)");
_Static_assert(COUNT(server_arms) == VW_QEMUD_SERVER_PKT_MAX, "39 server types (§1.3)");

const struct vw_xs_type *vw_qemud_data_type(int direction) {
    if (direction == VW_QEMUD_FROM_CLIENT) {
        return &u_client;
    }
    return direction == VW_QEMUD_FROM_SERVER ? &u_server : NULL;
}

const struct vw_xs_type *vw_qemud_arm_type(int direction, int32_t type) {
    const struct vw_xs_type *u = vw_qemud_data_type(direction);

    if (u == NULL || type < 0 || (size_t)type >= u->num_arms) {
        return NULL;
    }
    return u->arms[type].type;  /* arms are indexed by their value */
}

const char *vw_qemud_type_name(int direction, int32_t type) {
    if (direction == VW_QEMUD_FROM_SERVER) {
        if (type == VW_QEMUD_SERVER_PKT_FAILURE) {
            return "FAILURE";
        }
        type--;
    } else if (direction != VW_QEMUD_FROM_CLIENT) {
        return "?";
    }
    return type >= 0 && type < VW_QEMUD_CLIENT_PKT_MAX ? pkt_names[type] : "?";
}

size_t vw_qemud_body_offset(int direction) {
    /* header, serial, and for the server inReplyTo (§1.4 envelope) */
    return VW_QEMUD_HEADER_LEN + (direction == VW_QEMUD_FROM_SERVER ? 8u : 4u);
}

/* decode_msg is vw_qemud_decode without the error translation; |d|'s diag is private. */
static int decode_msg(struct vw_qemud_msg *m, struct vw_xdr_dec *d, const struct vw_xs_type *u,
                      size_t len, vw_xs_visit_fn visit, void *ctx) {
    struct vw_diag *diag = d->diag;
    size_t end;

    VW_XDR_TRY(d, "length", vw_xdr_get_u32(d, &m->length));
    if (m->length < VW_QEMUD_LEN_MIN || m->length > VW_QEMUD_LEN_MAX) {
        /* §1.6: the server rejects length > REMOTE_MESSAGE_MAX; under header + serial no
         * message fits */
        VW_XDR_TRY(d, "length", vw_xdr_fail_at(diag, VW_E_LENGTH, 0));
    }
    VW_XDR_TRY(d, "prog", vw_xdr_get_u32(d, &m->prog));
    if (m->prog != VW_QEMUD_PROGRAM) {
        /* §1.6: "accepts only prog == QEMUD_PROGRAM on qemud sockets" */
        VW_XDR_TRY(d, "prog", vw_xdr_fail_at(diag, VW_E_PROGRAM, 4));
    }
    VW_XDR_TRY(d, "serial", vw_xdr_get_u32(d, &m->serial));
    if (m->direction == VW_QEMUD_FROM_SERVER) {
        VW_XDR_TRY(d, "inReplyTo", vw_xdr_get_u32(d, &m->in_reply_to));
    }
    m->type = d->cur.len >= 4 ? (int32_t)vw_load_be32(d->cur.p) : 0;
#if VW_PLANT_BUGS
    if (vw_planted(VW_PLANT_QEMUD_DISCRIMINANT) && d->cur.len >= 4 &&
        u->arms[m->type].type == NULL) {
        /* planted: the arm table is indexed by the type before vw_xs_decode has checked it
         * names an arm (§1.3: unions without a default arm) */
        VW_XDR_TRY(d, "type", vw_xdr_fail(d, VW_E_DISCRIMINANT, d->cur.p));
    }
#endif
    /* §1.3 unions without a default arm: VW_E_DISCRIMINANT for any other type */
    VW_XDR_TRY(d, "type", vw_xs_decode(u, d, visit, ctx));
    end = vw_xdr_dec_offset(d);
    if (m->length < end) {
        /* §1.4 "the length is the total number of bytes in the message": it ends inside the
         * body (the server's xdrmem over |length| bytes would run out) */
        VW_XDR_TRY(d, "length", vw_xdr_fail_at(diag, VW_E_LENGTH, 0));
    }
    if (m->length > len) {
        /* the message goes on past the input */
        VW_XDR_TRY(d, "length", vw_xdr_fail_at(diag, VW_E_SHORT, len));
    }
    /* bytes after the body, inside the length or after it [lenient: xdrmem ignores them] */
    VW_XDR_TRY(d, "trailing", vw_xdr_expect_end(d));
    return 0;
}

int vw_qemud_decode(struct vw_qemud_msg *out, struct vw_diag *diag, struct vw_diag *lax,
                    const uint8_t *buf, size_t len, int direction, unsigned flags,
                    vw_xs_visit_fn visit, void *ctx) {
    const struct vw_xs_type *u = vw_qemud_data_type(direction);
    struct vw_qemud_msg m = { .direction = direction };
    struct vw_diag ld = { 0 };
    struct vw_xdr_dec d;
    size_t arm_off, end;
    int r;

    if (u == NULL) {
        return VW_E_INVALID;
    }
    vw_xdr_dec_init(&d, buf, len, flags, &ld, lax);
    if ((r = decode_msg(&m, &d, u, len, visit, ctx)) < 0) {
        if (r == VW_E_SHORT && ld.offset >= 8 && m.length <= len) {
            /* the input holds all |length| bytes, the body needs more: the length word is
             * what is wrong (a stream framer cuts exactly there) */
            r = VW_E_LENGTH;
            ld = (struct vw_diag){ .code = r, .offset = 0, .field = "length" };
        }
        vw_diag_set(diag, r, ld.offset);
        vw_diag_field(diag, ld.field);
        return r;
    }
    end = vw_xdr_dec_offset(&d);
    arm_off = vw_qemud_body_offset(direction) + 4;
    m.body_type = vw_qemud_arm_type(direction, m.type);
    m.body = (struct vw_span){ .p = buf + arm_off, .len = end - arm_off };
    *out = m;
    return 0;
}

int vw_qemud_collect(void *ctx, const struct vw_xs_item *item) {
    struct vw_qemud_items *c = ctx;

    if (c->num >= c->cap) {
        return VW_E_NOSPACE;
    }
    c->items[c->num++] = *item;
    return 0;
}

int vw_qemud_encode(struct vw_xdr_enc *e, const struct vw_qemud_msg *m,
                    const struct vw_xs_item *items, size_t num_items) {
    const struct vw_xs_type *u = vw_qemud_data_type(m->direction);
    struct vw_xdr_enc c = *e, measure;
    size_t pos = 0, total;
    int r;

    if (u == NULL || num_items == 0 || items[0].type != u || (int32_t)items[0].u != m->type) {
        return VW_E_INVALID;
    }
    /* §1.5: the server encodes the body, then writes length = xdr_getpos() at offset 0 */
    vw_xdr_enc_init(&measure, NULL, SIZE_MAX);
    if ((r = vw_xs_encode(u, &measure, items, num_items, &pos)) < 0) {
        return r;
    }
    if (pos != num_items) {
        return VW_E_INVALID;
    }
    total = vw_qemud_body_offset(m->direction) + measure.len;
    if (total > VW_QEMUD_LEN_MAX) {
        return VW_E_INVALID;
    }
    pos = 0;
    if ((r = vw_xdr_put_u32(&c, (uint32_t)total)) < 0 ||
        (r = vw_xdr_put_u32(&c, VW_QEMUD_PROGRAM)) < 0 ||
        (r = vw_xdr_put_u32(&c, m->serial)) < 0 ||
        (m->direction == VW_QEMUD_FROM_SERVER && (r = vw_xdr_put_u32(&c, m->in_reply_to)) < 0) ||
        (r = vw_xs_encode(u, &c, items, num_items, &pos)) < 0) {
        return r;
    }
    *e = c;
    return 0;
}

int vw_qemud_reencode(struct vw_xdr_enc *e, const struct vw_qemud_msg *m, unsigned flags,
                      struct vw_xs_item *scratch, size_t cap) {
    const struct vw_xs_type *u = vw_qemud_data_type(m->direction);
    struct vw_qemud_items c = { .items = scratch, .cap = cap };
    struct vw_diag diag = { 0 };
    int r;

    if (u == NULL || m->body_type == NULL || cap == 0) {
        return VW_E_INVALID;
    }
    /* the union item as vw_xs_decode visits it, then the arm's items */
    scratch[0] = (struct vw_xs_item){ .type = u, .u = (uint32_t)m->type, .i = m->type };
    c.num = 1;
    r = vw_xs_decode_body(m->body_type, m->body.p, m->body.p, m->body.len, flags, &diag, NULL,
                          vw_qemud_collect, &c);
    if (r < 0) {
        return r == VW_E_NOSPACE ? VW_E_NOSPACE : VW_E_INVALID;
    }
    return vw_qemud_encode(e, m, scratch, c.num);
}

/* ---- framer ---- */

void vw_qemud_framer_init(struct vw_qemud_framer *f) {
    f->stream_pos = 0;
    f->msg_start = 0;
    f->length = 0;
    f->have = 0;
    f->done = false;
    f->err = 0;
}

int vw_qemud_feed(struct vw_qemud_framer *f, const uint8_t *in, size_t in_len,
                  size_t *out_used) {
    size_t used = 0;

    *out_used = 0;
    if (f->err < 0) {
        return f->err;
    }
    if (f->done) {
        f->done = false;
        f->have = 0;
    }
    while (used < in_len) {
        size_t want = f->have < 4 ? 4 : f->length;
        size_t take = want - f->have < in_len - used ? want - f->have : in_len - used;

        if (f->have == 0) {
            f->msg_start = f->stream_pos;
        }
        memcpy(f->buf + f->have, in + used, take);
        f->have += take;
        f->stream_pos += take;
        used += take;
        if (f->have == 4 && want == 4) {
            f->length = vw_load_be32(f->buf);
            if (f->length < VW_QEMUD_LEN_MIN || f->length > VW_QEMUD_LEN_MAX) {
                /* §1.6: refused at the header, before any byte of the body is buffered */
                f->err = VW_E_LENGTH;
                *out_used = used;
                return f->err;
            }
        } else if (f->have >= 4 && f->have == f->length) {
            f->done = true;
            *out_used = used;
            return 1;
        }
    }
    *out_used = used;
    return VW_E_AGAIN;
}

void vw_qemud_message(const struct vw_qemud_framer *f, struct vw_span *out) {
    *out = (struct vw_span){ .p = f->buf, .len = f->done ? f->have : 0 };
}

bool vw_qemud_pending(const struct vw_qemud_framer *f) {
    return !f->done && f->have > 0;
}
