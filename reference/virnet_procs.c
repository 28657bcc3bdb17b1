/* virnet_procs.c -- the libvirt 9.0 RPC programs and the XDR schemas of their payloads; see
 * virnet_procs.h.
 *
 * Facts: ../shared/protocols/virnet-oncrpc.md §1.2 (constants), §1.5 (stream hole), §1.6 (error
 * struct), §2 (programs), §2.1 (basic types), §2.2 (procedure table), §8 (example packets);
 * ../shared/fixtures/real-servers.md §1 (the procedures virsh calls).  Procedures and maxima
 * not in those sheets were read in libvirt/libvirt src/remote/remote_protocol.x
 * @0c234889c4b0bd21ab2103c8bbac0290db1ff600 and cross-checked against 9.0 itself: procedure
 * numbers with `tshark -G values` (libvirt-wireshark 9.0.0), member order with `tshark -G
 * fields`, and array bounds, element sizes and filters in the disassembly of the exported
 * xdr_remote_* filters of libvirt.so.0.9000.0 (e.g. xdr_remote_domain_get_security_label_ret:
 * xdr_array max 0x1001 elsize 1; xdr_remote_node_get_security_model_ret: 0x101 twice;
 * xdr_remote_domain_get_messages_ret: 0x800 elsize 8).
 *
 * Every payload is a static vw_xs_type table; xs.c does the decoding, the strict checks and
 * the encoding.  rpcgen's widening (§2.1): char, unsigned char and unsigned short travel as a
 * whole XDR int, so `char model[32]` is a vector of 32 VW_XS_CHAR (128 bytes) and xs.c checks
 * each value fits its C type (VW_E_RANGE). */
#include "virnet_procs.h"

#include <stddef.h>

#define NUM(a) (sizeof(a) / sizeof((a)[0]))

/* Named maxima (remote_protocol.x @0c234889 names; 9.0 values from the binary, §2.1). */
#define VW_VIRNET_UUID_LEN 16u                /* VIR_UUID_BUFLEN, §1.2 [WIRE: 16 raw bytes] */
#define VW_VIRNET_DOMAIN_LIST_MAX 16384u      /* REMOTE_DOMAIN_LIST_MAX, §2.1 [BIN 0x4000] */
#define VW_VIRNET_AUTH_TYPE_LIST_MAX 20u      /* REMOTE_AUTH_TYPE_LIST_MAX, §2.1 [BIN 0x14] */
#define VW_VIRNET_AUTH_SASL_DATA_MAX 65536u   /* REMOTE_AUTH_SASL_DATA_MAX [BIN 0x10000] */
#define VW_VIRNET_SECURITY_MODEL_MAX 257u     /* VIR_SECURITY_MODEL_BUFLEN (256 + 1) [BIN 0x101] */
#define VW_VIRNET_SECURITY_DOI_MAX 257u       /* VIR_SECURITY_DOI_BUFLEN (256 + 1) [BIN 0x101] */
#define VW_VIRNET_SECURITY_LABEL_MAX 4097u    /* VIR_SECURITY_LABEL_BUFLEN (4096+1) [BIN 0x1001] */
#define VW_VIRNET_DOMAIN_MESSAGES_MAX 2048u   /* REMOTE_DOMAIN_MESSAGES_MAX [BIN 0x800] */
#define VW_VIRNET_NODE_MODEL_LEN 32u          /* remote_node_get_info_ret char model[32], §2.2 */

#define FIELD(n, t) { .name = (n), .type = &(t) }

/* STRUCT defines the schema |var| named |xname| with the fields that follow. */
#define STRUCT(var, xname, ...)                                                  \
    static const struct vw_xs_field var##_fields[] = { __VA_ARGS__ };            \
    static const struct vw_xs_type var = { .kind = VW_XS_STRUCT, .name = (xname), \
                                           .fields = var##_fields,               \
                                           .num_fields = NUM(var##_fields) }

/* SAME defines |var| named |xname| with the fields of an earlier STRUCT |like|: many payloads
 * share a layout ({dom}, {dom; flags}) but keep their own .x name for dumps. */
#define SAME(var, xname, like)                                                   \
    static const struct vw_xs_type var = { .kind = VW_XS_STRUCT, .name = (xname), \
                                           .fields = like##_fields,              \
                                           .num_fields = NUM(like##_fields) }

/* ---- basic types, §2.1 ---- */

/* typedef string remote_nonnull_string<REMOTE_STRING_MAX> (4194304 in 9.0, §2.1 [BIN]) */
static const struct vw_xs_type nonnull_string = {
    .kind = VW_XS_STRING, .name = "remote_nonnull_string", .n = VW_VIRNET_STRING_MAX
};
/* typedef remote_nonnull_string *remote_string: optional data, §2.1 / RFC 4506 §4.19 */
static const struct vw_xs_type string_opt = {
    .kind = VW_XS_OPTIONAL, .name = "remote_string", .elem = &nonnull_string
};
/* typedef opaque remote_uuid[VIR_UUID_BUFLEN]: 16 bytes, no length word */
static const struct vw_xs_type uuid = {
    .kind = VW_XS_FIXED_OPAQUE, .name = "remote_uuid", .n = VW_VIRNET_UUID_LEN
};
/* struct remote_nonnull_domain { name; uuid; int id } (id -1 when inactive) */
STRUCT(nonnull_domain, "remote_nonnull_domain",
       FIELD("name", nonnull_string), FIELD("uuid", uuid), FIELD("id", vw_xs_int));
static const struct vw_xs_type domain_opt = {
    .kind = VW_XS_OPTIONAL, .name = "remote_domain", .elem = &nonnull_domain
};
/* struct remote_nonnull_network { name; uuid } (§1.6: the net member of the error) */
STRUCT(nonnull_network, "remote_nonnull_network",
       FIELD("name", nonnull_string), FIELD("uuid", uuid));
static const struct vw_xs_type network_opt = {
    .kind = VW_XS_OPTIONAL, .name = "remote_network", .elem = &nonnull_network
};
/* enum remote_auth_type { NONE = 0, SASL = 1, POLKIT = 2 } */
static const struct vw_xs_type auth_type = {
    .kind = VW_XS_ENUM, .name = "remote_auth_type", .lo = 0, .hi = 2
};
static const struct vw_xs_type auth_type_list = {
    .kind = VW_XS_ARRAY, .name = "remote_auth_type<REMOTE_AUTH_TYPE_LIST_MAX>",
    .n = VW_VIRNET_AUTH_TYPE_LIST_MAX, .elem = &auth_type
};
static const struct vw_xs_type domain_id_list = {
    .kind = VW_XS_ARRAY, .name = "int<REMOTE_DOMAIN_LIST_MAX>", .n = VW_VIRNET_DOMAIN_LIST_MAX,
    .elem = &vw_xs_int
};
static const struct vw_xs_type domain_list = {
    .kind = VW_XS_ARRAY, .name = "remote_nonnull_domain<REMOTE_DOMAIN_LIST_MAX>",
    .n = VW_VIRNET_DOMAIN_LIST_MAX, .elem = &nonnull_domain
};
/* char model[32]: xdr_vector of 32 xdr_char, 128 bytes (§2.1 [BIN]) */
static const struct vw_xs_type node_model = {
    .kind = VW_XS_VECTOR, .name = "char[32]", .n = VW_VIRNET_NODE_MODEL_LEN, .elem = &vw_xs_char
};
/* char data<REMOTE_AUTH_SASL_DATA_MAX>: xdr_array of xdr_char, 4 bytes per byte */
static const struct vw_xs_type sasl_data = {
    .kind = VW_XS_ARRAY, .name = "char<REMOTE_AUTH_SASL_DATA_MAX>",
    .n = VW_VIRNET_AUTH_SASL_DATA_MAX, .elem = &vw_xs_char
};
static const struct vw_xs_type security_label = {
    .kind = VW_XS_ARRAY, .name = "char<REMOTE_SECURITY_LABEL_MAX>",
    .n = VW_VIRNET_SECURITY_LABEL_MAX, .elem = &vw_xs_char
};
static const struct vw_xs_type security_model = {
    .kind = VW_XS_ARRAY, .name = "char<REMOTE_SECURITY_MODEL_MAX>",
    .n = VW_VIRNET_SECURITY_MODEL_MAX, .elem = &vw_xs_char
};
static const struct vw_xs_type security_doi = {
    .kind = VW_XS_ARRAY, .name = "char<REMOTE_SECURITY_DOI_MAX>",
    .n = VW_VIRNET_SECURITY_DOI_MAX, .elem = &vw_xs_char
};
static const struct vw_xs_type domain_messages = {
    .kind = VW_XS_ARRAY, .name = "remote_nonnull_string<REMOTE_DOMAIN_MESSAGES_MAX>",
    .n = VW_VIRNET_DOMAIN_MESSAGES_MAX, .elem = &nonnull_string
};

/* ---- envelope payloads, §1.5, §1.6 ---- */

static const struct vw_xs_field error_fields[] = {
    FIELD("code", vw_xs_int),     FIELD("domain", vw_xs_int), FIELD("message", string_opt),
    FIELD("level", vw_xs_int),    FIELD("dom", domain_opt),   FIELD("str1", string_opt),
    FIELD("str2", string_opt),    FIELD("str3", string_opt),  FIELD("int1", vw_xs_int),
    FIELD("int2", vw_xs_int),     FIELD("net", network_opt),
};
/* virNetMessageError, the layout of remote_error (§1.6) */
const struct vw_xs_type vw_virnet_error_type = {
    .kind = VW_XS_STRUCT, .name = "remote_error", .fields = error_fields,
    .num_fields = NUM(error_fields)
};

static const struct vw_xs_field stream_hole_fields[] = {
    FIELD("length", vw_xs_hyper), FIELD("flags", vw_xs_uint),
};
/* struct virNetStreamHole { hyper length; unsigned int flags; } (§1.5, 12 bytes) */
const struct vw_xs_type vw_virnet_stream_hole_type = {
    .kind = VW_XS_STRUCT, .name = "virNetStreamHole", .fields = stream_hole_fields,
    .num_fields = NUM(stream_hole_fields)
};

/* ---- REMOTE program payloads, §2.2 ---- */

STRUCT(connect_open_args, "remote_connect_open_args",
       FIELD("name", string_opt), FIELD("flags", vw_xs_uint));
STRUCT(connect_get_type_ret, "remote_connect_get_type_ret", FIELD("type", nonnull_string));
STRUCT(connect_get_version_ret, "remote_connect_get_version_ret",
       FIELD("hv_ver", vw_xs_uhyper));
/* 160 bytes: model 32 x 4, memory 8, six ints (§2.2 [WIRE]) */
STRUCT(node_get_info_ret, "remote_node_get_info_ret",
       FIELD("model", node_model), FIELD("memory", vw_xs_uhyper), FIELD("cpus", vw_xs_int),
       FIELD("mhz", vw_xs_int), FIELD("nodes", vw_xs_int), FIELD("sockets", vw_xs_int),
       FIELD("cores", vw_xs_int), FIELD("threads", vw_xs_int));
STRUCT(connect_get_capabilities_ret, "remote_connect_get_capabilities_ret",
       FIELD("capabilities", nonnull_string));
/* {remote_nonnull_domain dom}: CREATE, DESTROY, GET_INFO, RESUME, SUSPEND, UNDEFINE, ... */
STRUCT(domain_create_args, "remote_domain_create_args", FIELD("dom", nonnull_domain));
SAME(domain_destroy_args, "remote_domain_destroy_args", domain_create_args);
SAME(domain_get_autostart_args, "remote_domain_get_autostart_args", domain_create_args);
SAME(domain_get_info_args, "remote_domain_get_info_args", domain_create_args);
SAME(domain_get_os_type_args, "remote_domain_get_os_type_args", domain_create_args);
SAME(domain_resume_args, "remote_domain_resume_args", domain_create_args);
SAME(domain_suspend_args, "remote_domain_suspend_args", domain_create_args);
SAME(domain_undefine_args, "remote_domain_undefine_args", domain_create_args);
SAME(domain_get_security_label_args, "remote_domain_get_security_label_args",
     domain_create_args);
SAME(domain_is_persistent_args, "remote_domain_is_persistent_args", domain_create_args);
/* {remote_nonnull_domain dom} as a result: CREATE_XML, DEFINE_XML, LOOKUP_BY_NAME, ... */
SAME(domain_create_xml_ret, "remote_domain_create_xml_ret", domain_create_args);
SAME(domain_define_xml_ret, "remote_domain_define_xml_ret", domain_create_args);
SAME(domain_lookup_by_name_ret, "remote_domain_lookup_by_name_ret", domain_create_args);
SAME(domain_create_with_flags_ret, "remote_domain_create_with_flags_ret", domain_create_args);
SAME(domain_define_xml_flags_ret, "remote_domain_define_xml_flags_ret", domain_create_args);
/* {remote_nonnull_domain dom; unsigned int flags} */
STRUCT(domain_get_xml_desc_args, "remote_domain_get_xml_desc_args",
       FIELD("dom", nonnull_domain), FIELD("flags", vw_xs_uint));
SAME(domain_has_managed_save_image_args, "remote_domain_has_managed_save_image_args",
     domain_get_xml_desc_args);
SAME(domain_create_with_flags_args, "remote_domain_create_with_flags_args",
     domain_get_xml_desc_args);
SAME(domain_get_state_args, "remote_domain_get_state_args", domain_get_xml_desc_args);
SAME(domain_undefine_flags_args, "remote_domain_undefine_flags_args",
     domain_get_xml_desc_args);
SAME(domain_destroy_flags_args, "remote_domain_destroy_flags_args", domain_get_xml_desc_args);
SAME(domain_get_messages_args, "remote_domain_get_messages_args", domain_get_xml_desc_args);
STRUCT(domain_create_xml_args, "remote_domain_create_xml_args",
       FIELD("xml_desc", nonnull_string), FIELD("flags", vw_xs_uint));
STRUCT(domain_define_xml_args, "remote_domain_define_xml_args", FIELD("xml", nonnull_string));
STRUCT(domain_define_xml_flags_args, "remote_domain_define_xml_flags_args",
       FIELD("xml", nonnull_string), FIELD("flags", vw_xs_uint));
STRUCT(domain_get_xml_desc_ret, "remote_domain_get_xml_desc_ret", FIELD("xml", nonnull_string));
STRUCT(domain_get_autostart_ret, "remote_domain_get_autostart_ret",
       FIELD("autostart", vw_xs_int));
/* 32 bytes: u_char and u_short widened to 4 (§2.2, §8) */
STRUCT(domain_get_info_ret, "remote_domain_get_info_ret",
       FIELD("state", vw_xs_uchar), FIELD("maxMem", vw_xs_uhyper), FIELD("memory", vw_xs_uhyper),
       FIELD("nrVirtCpu", vw_xs_ushort), FIELD("cpuTime", vw_xs_uhyper));
/* the .x member is `type`, a remote_nonnull_string [BIN: xdr_remote_nonnull_string] */
STRUCT(domain_get_os_type_ret, "remote_domain_get_os_type_ret", FIELD("type", nonnull_string));
STRUCT(domain_lookup_by_name_args, "remote_domain_lookup_by_name_args",
       FIELD("name", nonnull_string));
STRUCT(connect_list_domains_args, "remote_connect_list_domains_args",
       FIELD("maxids", vw_xs_int));
STRUCT(connect_list_domains_ret, "remote_connect_list_domains_ret",
       FIELD("ids", domain_id_list));
STRUCT(connect_num_of_domains_ret, "remote_connect_num_of_domains_ret",
       FIELD("num", vw_xs_int));
STRUCT(connect_get_hostname_ret, "remote_connect_get_hostname_ret",
       FIELD("hostname", nonnull_string));
STRUCT(connect_supports_feature_args, "remote_connect_supports_feature_args",
       FIELD("feature", vw_xs_int));
STRUCT(connect_supports_feature_ret, "remote_connect_supports_feature_ret",
       FIELD("supported", vw_xs_int));
STRUCT(auth_list_ret, "remote_auth_list_ret", FIELD("types", auth_type_list));
STRUCT(auth_sasl_init_ret, "remote_auth_sasl_init_ret", FIELD("mechlist", nonnull_string));
STRUCT(auth_sasl_start_args, "remote_auth_sasl_start_args",
       FIELD("mech", nonnull_string), FIELD("nil", vw_xs_int), FIELD("data", sasl_data));
STRUCT(auth_sasl_start_ret, "remote_auth_sasl_start_ret",
       FIELD("complete", vw_xs_int), FIELD("nil", vw_xs_int), FIELD("data", sasl_data));
STRUCT(auth_sasl_step_args, "remote_auth_sasl_step_args",
       FIELD("nil", vw_xs_int), FIELD("data", sasl_data));
SAME(auth_sasl_step_ret, "remote_auth_sasl_step_ret", auth_sasl_start_ret);
STRUCT(auth_polkit_ret, "remote_auth_polkit_ret", FIELD("complete", vw_xs_int));
STRUCT(connect_domain_event_register_ret, "remote_connect_domain_event_register_ret",
       FIELD("cb_registered", vw_xs_int));
SAME(connect_domain_event_deregister_ret, "remote_connect_domain_event_deregister_ret",
     connect_domain_event_register_ret);
STRUCT(domain_event_lifecycle_msg, "remote_domain_event_lifecycle_msg",
       FIELD("dom", nonnull_domain), FIELD("event", vw_xs_int), FIELD("detail", vw_xs_int));
STRUCT(connect_get_uri_ret, "remote_connect_get_uri_ret", FIELD("uri", nonnull_string));
STRUCT(domain_get_security_label_ret, "remote_domain_get_security_label_ret",
       FIELD("label", security_label), FIELD("enforcing", vw_xs_int));
STRUCT(node_get_security_model_ret, "remote_node_get_security_model_ret",
       FIELD("model", security_model), FIELD("doi", security_doi));
STRUCT(domain_is_persistent_ret, "remote_domain_is_persistent_ret",
       FIELD("persistent", vw_xs_int));
STRUCT(connect_get_lib_version_ret, "remote_connect_get_lib_version_ret",
       FIELD("lib_ver", vw_xs_uhyper));
STRUCT(domain_has_managed_save_image_ret, "remote_domain_has_managed_save_image_ret",
       FIELD("result", vw_xs_int));
STRUCT(domain_get_state_ret, "remote_domain_get_state_ret",
       FIELD("state", vw_xs_int), FIELD("reason", vw_xs_int));
STRUCT(connect_list_all_domains_args, "remote_connect_list_all_domains_args",
       FIELD("need_results", vw_xs_int), FIELD("flags", vw_xs_uint));
STRUCT(connect_list_all_domains_ret, "remote_connect_list_all_domains_ret",
       FIELD("domains", domain_list), FIELD("ret", vw_xs_uint));
/* dom is optional: NULL registers for every domain (§2.2) */
STRUCT(connect_domain_event_callback_register_any_args,
       "remote_connect_domain_event_callback_register_any_args",
       FIELD("eventID", vw_xs_int), FIELD("dom", domain_opt));
STRUCT(connect_domain_event_callback_register_any_ret,
       "remote_connect_domain_event_callback_register_any_ret", FIELD("callbackID", vw_xs_int));
SAME(connect_domain_event_callback_deregister_any_args,
     "remote_connect_domain_event_callback_deregister_any_args",
     connect_domain_event_callback_register_any_ret);
STRUCT(domain_event_callback_lifecycle_msg, "remote_domain_event_callback_lifecycle_msg",
       FIELD("callbackID", vw_xs_int), FIELD("msg", domain_event_lifecycle_msg));
STRUCT(domain_get_messages_ret, "remote_domain_get_messages_ret",
       FIELD("msgs", domain_messages));

/* ---- QEMU, LXC and ADMIN payloads, §2 ---- */

STRUCT(qemu_domain_monitor_command_args, "qemu_domain_monitor_command_args",
       FIELD("dom", nonnull_domain), FIELD("cmd", nonnull_string), FIELD("flags", vw_xs_uint));
STRUCT(qemu_domain_monitor_command_ret, "qemu_domain_monitor_command_ret",
       FIELD("result", nonnull_string));
SAME(lxc_domain_open_namespace_args, "lxc_domain_open_namespace_args", domain_get_xml_desc_args);
STRUCT(admin_connect_open_args, "admin_connect_open_args", FIELD("flags", vw_xs_uint));
STRUCT(admin_connect_get_lib_version_ret, "admin_connect_get_lib_version_ret",
       FIELD("libVer", vw_xs_uhyper));

/* ---- programs and procedures ---- */

#define V (&vw_xs_void)
/* Each table is indexed by procedure number ([num] = ...), so a lookup is one bounds check and
 * one index (libvirt's dispatcher indexes its array the same way); numbers with no entry have
 * a NULL name.  The number is written once, as the index and the entry's |proc|. */
#define CALL(prog, num, name, args, ret) [num] = { (prog), (num), (name), (args), (ret), NULL }
#define EVENT(prog, num, name, msg) [num] = { (prog), (num), (name), NULL, NULL, (msg) }
#define R VW_VIRNET_REMOTE_PROGRAM

/* LXC_PROGRAM (lxc_protocol.x @509eb51e, §2): the namespace fds come with REPLY_WITH_FDS */
static const struct vw_virnet_proc lxc_procs[] = {
    CALL(VW_VIRNET_LXC_PROGRAM, 1, "DOMAIN_OPEN_NAMESPACE", &lxc_domain_open_namespace_args, V),
};
/* ADMIN_PROGRAM (admin_protocol.x @8b2bf0f1, §2) */
static const struct vw_virnet_proc admin_procs[] = {
    CALL(VW_VIRNET_ADMIN_PROGRAM, 1, "CONNECT_OPEN", &admin_connect_open_args, V),
    CALL(VW_VIRNET_ADMIN_PROGRAM, 2, "CONNECT_CLOSE", V, V),
    CALL(VW_VIRNET_ADMIN_PROGRAM, 3, "CONNECT_GET_LIB_VERSION", V,
         &admin_connect_get_lib_version_ret),
};
/* REMOTE_PROGRAM: §2.2 and real-servers.md §1; numbers from the 9.0 tshark values */
static const struct vw_virnet_proc remote_procs[] = {
    CALL(R, 1, "CONNECT_OPEN", &connect_open_args, V),
    CALL(R, 2, "CONNECT_CLOSE", V, V),
    CALL(R, 3, "CONNECT_GET_TYPE", V, &connect_get_type_ret),
    CALL(R, 4, "CONNECT_GET_VERSION", V, &connect_get_version_ret),
    CALL(R, 6, "NODE_GET_INFO", V, &node_get_info_ret),
    CALL(R, 7, "CONNECT_GET_CAPABILITIES", V, &connect_get_capabilities_ret),
    CALL(R, 9, "DOMAIN_CREATE", &domain_create_args, V),
    CALL(R, 10, "DOMAIN_CREATE_XML", &domain_create_xml_args, &domain_create_xml_ret),
    CALL(R, 11, "DOMAIN_DEFINE_XML", &domain_define_xml_args, &domain_define_xml_ret),
    CALL(R, 12, "DOMAIN_DESTROY", &domain_destroy_args, V),
    CALL(R, 14, "DOMAIN_GET_XML_DESC", &domain_get_xml_desc_args, &domain_get_xml_desc_ret),
    CALL(R, 15, "DOMAIN_GET_AUTOSTART", &domain_get_autostart_args, &domain_get_autostart_ret),
    CALL(R, 16, "DOMAIN_GET_INFO", &domain_get_info_args, &domain_get_info_ret),
    CALL(R, 19, "DOMAIN_GET_OS_TYPE", &domain_get_os_type_args, &domain_get_os_type_ret),
    CALL(R, 23, "DOMAIN_LOOKUP_BY_NAME", &domain_lookup_by_name_args,
         &domain_lookup_by_name_ret),
    CALL(R, 28, "DOMAIN_RESUME", &domain_resume_args, V),
    CALL(R, 34, "DOMAIN_SUSPEND", &domain_suspend_args, V),
    CALL(R, 35, "DOMAIN_UNDEFINE", &domain_undefine_args, V),
    CALL(R, 37, "CONNECT_LIST_DOMAINS", &connect_list_domains_args, &connect_list_domains_ret),
    CALL(R, 51, "CONNECT_NUM_OF_DOMAINS", V, &connect_num_of_domains_ret),
    CALL(R, 59, "CONNECT_GET_HOSTNAME", V, &connect_get_hostname_ret),
    CALL(R, 60, "CONNECT_SUPPORTS_FEATURE", &connect_supports_feature_args,
         &connect_supports_feature_ret),
    CALL(R, 66, "AUTH_LIST", V, &auth_list_ret),
    CALL(R, 67, "AUTH_SASL_INIT", V, &auth_sasl_init_ret),
    CALL(R, 68, "AUTH_SASL_START", &auth_sasl_start_args, &auth_sasl_start_ret),
    CALL(R, 69, "AUTH_SASL_STEP", &auth_sasl_step_args, &auth_sasl_step_ret),
    CALL(R, 70, "AUTH_POLKIT", V, &auth_polkit_ret),
    CALL(R, 105, "CONNECT_DOMAIN_EVENT_REGISTER", V, &connect_domain_event_register_ret),
    CALL(R, 106, "CONNECT_DOMAIN_EVENT_DEREGISTER", V, &connect_domain_event_deregister_ret),
    EVENT(R, 107, "DOMAIN_EVENT_LIFECYCLE", &domain_event_lifecycle_msg),
    CALL(R, 110, "CONNECT_GET_URI", V, &connect_get_uri_ret),
    CALL(R, 121, "DOMAIN_GET_SECURITY_LABEL", &domain_get_security_label_args,
         &domain_get_security_label_ret),
    CALL(R, 122, "NODE_GET_SECURITY_MODEL", V, &node_get_security_model_ret),
    CALL(R, 151, "DOMAIN_IS_PERSISTENT", &domain_is_persistent_args, &domain_is_persistent_ret),
    CALL(R, 157, "CONNECT_GET_LIB_VERSION", V, &connect_get_lib_version_ret),
    CALL(R, 183, "DOMAIN_HAS_MANAGED_SAVE_IMAGE", &domain_has_managed_save_image_args,
         &domain_has_managed_save_image_ret),
    CALL(R, 196, "DOMAIN_CREATE_WITH_FLAGS", &domain_create_with_flags_args,
         &domain_create_with_flags_ret),
    CALL(R, 212, "DOMAIN_GET_STATE", &domain_get_state_args, &domain_get_state_ret),
    CALL(R, 231, "DOMAIN_UNDEFINE_FLAGS", &domain_undefine_flags_args, V),
    CALL(R, 234, "DOMAIN_DESTROY_FLAGS", &domain_destroy_flags_args, V),
    CALL(R, 273, "CONNECT_LIST_ALL_DOMAINS", &connect_list_all_domains_args,
         &connect_list_all_domains_ret),
    CALL(R, 316, "CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY",
         &connect_domain_event_callback_register_any_args,
         &connect_domain_event_callback_register_any_ret),
    CALL(R, 317, "CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY",
         &connect_domain_event_callback_deregister_any_args, V),
    EVENT(R, 318, "DOMAIN_EVENT_CALLBACK_LIFECYCLE", &domain_event_callback_lifecycle_msg),
    CALL(R, 350, "DOMAIN_DEFINE_XML_FLAGS", &domain_define_xml_flags_args,
         &domain_define_xml_flags_ret),
    CALL(R, 360, "CONNECT_REGISTER_CLOSE_CALLBACK", V, V),
    CALL(R, 361, "CONNECT_UNREGISTER_CLOSE_CALLBACK", V, V),
    CALL(R, 426, "DOMAIN_GET_MESSAGES", &domain_get_messages_args, &domain_get_messages_ret),
};
/* QEMU_PROGRAM (§2: args and ret from the 9.0 tshark fields) */
static const struct vw_virnet_proc qemu_procs[] = {
    CALL(VW_VIRNET_QEMU_PROGRAM, 1, "DOMAIN_MONITOR_COMMAND", &qemu_domain_monitor_command_args,
         &qemu_domain_monitor_command_ret),
};
/* KEEPALIVE_PROGRAM: PING and PONG are MESSAGEs with no payload (§2) */
static const struct vw_virnet_proc keepalive_procs[] = {
    EVENT(VW_VIRNET_KEEPALIVE_PROGRAM, 1, "PING", V),
    EVENT(VW_VIRNET_KEEPALIVE_PROGRAM, 2, "PONG", V),
};

#undef R
#undef EVENT
#undef CALL
#undef V

#define PROGRAM(prog, name, procs) \
    { (prog), VW_VIRNET_PROGRAM_VERSION, (name), (procs), (uint32_t)NUM(procs) }

/* Sorted by program number: vw_virnet_proc_at walks the procedures in (prog, proc) order.
 * vw_virnet_program_of (virnet_procs.h) knows these positions. */
const struct vw_virnet_program vw_virnet_programs[VW_VIRNET_NUM_PROGRAMS] = {
    PROGRAM(VW_VIRNET_LXC_PROGRAM, "LXC", lxc_procs),
    PROGRAM(VW_VIRNET_ADMIN_PROGRAM, "ADMIN", admin_procs),
    PROGRAM(VW_VIRNET_REMOTE_PROGRAM, "REMOTE", remote_procs),
    PROGRAM(VW_VIRNET_QEMU_PROGRAM, "QEMU", qemu_procs),
    PROGRAM(VW_VIRNET_KEEPALIVE_PROGRAM, "KEEPALIVE", keepalive_procs),
};

#undef PROGRAM

const struct vw_virnet_program *vw_virnet_program_find(uint32_t prog, uint32_t vers) {
    const struct vw_virnet_program *g = vw_virnet_program_of(prog);

    return g != NULL && g->vers == vers ? g : NULL;
}

const struct vw_virnet_proc *vw_virnet_proc_find(uint32_t prog, int32_t proc) {
    const struct vw_virnet_program *g = vw_virnet_program_of(prog);

    return g != NULL ? vw_virnet_program_proc(g, proc) : NULL;
}

const struct vw_virnet_proc *vw_virnet_proc_at(size_t i) {
    for (size_t k = 0; k < NUM(vw_virnet_programs); k++) {
        for (uint32_t n = 0; n < vw_virnet_programs[k].num_procs; n++) {
            if (vw_virnet_programs[k].procs[n].name != NULL && i-- == 0) {
                return &vw_virnet_programs[k].procs[n];
            }
        }
    }
    return NULL;
}
