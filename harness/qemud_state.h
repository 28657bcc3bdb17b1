/* qemud_state.h -- the in-memory hypervisor behind `virtwire serve --protocol qemud`: a few
 * domains and networks, and one handler per client packet type of libvirt's 2007 qemud
 * protocol (historic-qemud-openhook-qga.md §1.3, §1.4), working on plain C values; the
 * server (serve_qemud.c) decodes requests into a struct vw_qs_req and encodes the struct
 * vw_qs_reply a handler fills.
 *
 * The state is one per server process, shared by all its connections, and starts afresh at
 * every start:
 *   domain "test"  id 1, running, uuid 6695eb01-f6a4-8304-79aa-97f2502e193f, 512 MiB, 2 vcpus
 *   domain "vm1"   defined, shut off, uuid 8c3c1fd2-58a1-4a52-9f9b-3d0e7c6b1a01, 1 GiB, 1 vcpu
 *   network "default"   active, autostart, bridge virbr0
 *   network "isolated"  defined, inactive, bridge virbr1
 * New domain ids count from 2. */
#ifndef VW_QEMUD_STATE_H
#define VW_QEMUD_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qemud.h"

#define VW_QS_DOMAINS_MAX 16        /* domains the model holds; a 17th create/define fails */
#define VW_QS_NETWORKS_MAX 8        /* networks likewise */
#define VW_QS_TEXT_MAX VW_QEMUD_MAX_DOMAINS_NAME_BUF   /* the largest char field of a reply */

/* virErrorNumber values in failure replies (§1.4: code = virErrorNumber).  Only
 * OPERATION_DENIED = 29 is in the facts (§1.4); the others are [UNCONFIRMED: libvirt's
 * virterror.h of 2007 is not in the facts] and follow its order, which gives 29 there. */
#define VW_QS_ERR_INTERNAL_ERROR 1
#define VW_QS_ERR_INVALID_DOMAIN 7
#define VW_QS_ERR_INVALID_ARG 8
#define VW_QS_ERR_OPERATION_FAILED 9
#define VW_QS_ERR_XML_ERROR 27
#define VW_QS_ERR_DOM_EXIST 28
#define VW_QS_ERR_OPERATION_DENIED 29
#define VW_QS_ERR_INVALID_NETWORK 36
#define VW_QS_ERR_NETWORK_EXIST 37

/* §1.2 enum qemud_domain_runstate */
#define VW_QS_RUNNING 1u
#define VW_QS_PAUSED 2u
#define VW_QS_STOPPED 3u

struct vw_qs_domain {
    bool used;
    bool persistent;                 /* defined (survives destroy) vs created (transient) */
    bool autostart;
    bool saved;                      /* stopped by DOMAIN_SAVE into |file| */
    int32_t id;                      /* -1 while inactive */
    uint32_t runstate, memory, maxmem, vcpus;
    uint64_t cpu_time;               /* ns */
    uint8_t uuid[VW_QEMUD_UUID_RAW_LEN];
    char name[VW_QEMUD_MAX_NAME_LEN];
    char file[VW_QEMUD_PATH_MAX];    /* the save file, when |saved| */
};

struct vw_qs_network {
    bool used, persistent, autostart, active;
    uint8_t uuid[VW_QEMUD_UUID_RAW_LEN];
    char name[VW_QEMUD_MAX_NAME_LEN];
    char bridge[VW_QEMUD_MAX_IFNAME_LEN];
};

struct vw_qs_state {
    struct vw_qs_domain domains[VW_QS_DOMAINS_MAX];
    struct vw_qs_network networks[VW_QS_NETWORKS_MAX];
    int32_t next_id;
    uint32_t next_uuid;              /* generated uuids count up */
};

/* struct vw_qs_req: the fields of one request by their §1.4 names; char arrays are
 * NUL-terminated copies (a field without a NUL is cut at its last byte, as C reads it). */
struct vw_qs_req {
    int32_t id;
    uint32_t autostart;
    uint8_t uuid[VW_QEMUD_UUID_RAW_LEN];
    char name[VW_QEMUD_MAX_NAME_LEN];
    char xml[VW_QEMUD_MAX_XML_LEN];
    char file[VW_QEMUD_PATH_MAX];
};

#define VW_QS_NUMS_MAX 8

/* struct vw_qs_reply: a server packet type and its fields by §1.4 name: integers in |nums|,
 * at most one char array (|text_field|, |text_len| bytes, NUL padding follows), the uuid
 * and the id array of list_domains_reply. */
struct vw_qs_reply {
    int32_t type;                    /* server packet type; FAILURE is 0 */
    struct {
        const char *name;
        uint64_t v;
    } nums[VW_QS_NUMS_MAX];
    size_t num_nums;
    const char *text_field;
    char text[VW_QS_TEXT_MAX];
    size_t text_len;
    uint8_t uuid[VW_QEMUD_UUID_RAW_LEN];
    int32_t ids[VW_QEMUD_MAX_NUM_DOMAINS];
    size_t num_ids;
};

/* vw_qs_init puts |s| in the start state above. */
void vw_qs_init(struct vw_qs_state *s);

/* vw_qs_allowed_read_only says whether client packet |type| is in the read-only socket's
 * table (§1.6 funcsTransmitRO; GET_CAPABILITIES is not). */
bool vw_qs_allowed_read_only(int32_t type);

/* vw_qs_handle performs client packet |type| (0 .. 37) with |req| on |s| and fills |rep|
 * with the reply §1.3 pairs with it (type + 1), or a FAILURE (§1.6: "a failed operation is
 * answered with discriminant FAILURE (0) and {code, message}"); |read_only| denies what
 * vw_qs_allowed_read_only does not allow with VIR_ERR_OPERATION_DENIED (§1.6). */
void vw_qs_handle(struct vw_qs_state *s, int32_t type, const struct vw_qs_req *req,
                  bool read_only, struct vw_qs_reply *rep);

#endif
