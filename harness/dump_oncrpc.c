/* dump_oncrpc.c -- renderings of ONC RPC messages and portmap/rpcbind bodies. */
#include <inttypes.h>

#include "dump.h"

void vw_dump_string(FILE *f, struct vw_span s, size_t max) {
    size_t n = s.len < max ? s.len : max;

    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s.p[i];
        if (c == '"' || c == '\\') {
            fprintf(f, "\\%c", c);
        } else if (c >= 0x20 && c < 0x7f) {
            fputc(c, f);
        } else {
            fprintf(f, "\\x%02x", c);
        }
    }
    fputc('"', f);
    if (n < s.len) {
        fprintf(f, "...(%zu bytes)", s.len);
    }
}

void vw_dump_hex(FILE *f, struct vw_span s, size_t max) {
    size_t n = s.len < max ? s.len : max;

    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%02x", s.p[i]);
    }
    if (n < s.len) {
        fprintf(f, "...(%zu bytes)", s.len);
    }
}

/* An opaque_auth; |sys| is the decoded AUTH_SYS credential, or NULL. */
static void dump_auth_line(FILE *f, uint32_t flavor, struct vw_span body,
                           const struct vw_rpc_authsys *sys) {
    const char *name = vw_rpc_flavor_name(flavor);

    if (name[0] == '?') {
        fprintf(f, "flavor-%" PRIu32 "(%zuB)", flavor, body.len);
    } else if (sys != NULL) {
        fprintf(f, "%s(uid=%" PRIu32 ",gid=%" PRIu32 ",host=", name, sys->uid, sys->gid);
        vw_dump_string(f, sys->machinename, 32);
        fputc(')', f);
    } else {
        fputs(name, f);
    }
}

void vw_dump_rpc_line(FILE *f, const struct vw_rpc_msg *m) {
    const struct vw_rpc_reply *rep = &m->reply;

    if (m->mtype == VW_RPC_CALL) {
        fprintf(f, "CALL xid=0x%08" PRIx32 " prog=%" PRIu32 " vers=%" PRIu32 " proc=%" PRIu32,
                m->xid, m->call.prog, m->call.vers, m->call.proc);
        if (m->call.prog == VW_PMAP_PROG) {
            fprintf(f, " (%s)", vw_pmap_proc_name(m->call.vers, m->call.proc));
        }
        fputs(" cred=", f);
        dump_auth_line(f, m->call.cred.flavor, m->call.cred.body,
                       m->call.cred.has_sys ? &m->call.cred.sys : NULL);
        fputs(" verf=", f);
        dump_auth_line(f, m->call.verf.flavor, m->call.verf.body, NULL);
        fprintf(f, " args=%zuB", m->call.args.len);
        return;
    }
    fprintf(f, "REPLY xid=0x%08" PRIx32, m->xid);
    if (rep->stat == VW_RPC_MSG_ACCEPTED) {
        fprintf(f, " MSG_ACCEPTED %s", vw_rpc_accept_stat_name(rep->accept_stat));
        if (rep->accept_stat == VW_RPC_SUCCESS) {
            fprintf(f, " results=%zuB", rep->results.len);
        } else if (rep->accept_stat == VW_RPC_PROG_MISMATCH) {
            fprintf(f, " low=%" PRIu32 " high=%" PRIu32, rep->mismatch.low, rep->mismatch.high);
        } else if (vw_rpc_accept_stat_name(rep->accept_stat)[0] == '?') {
            fprintf(f, "(%" PRIu32 ")", rep->accept_stat);
        }
        return;
    }
    if (rep->reject_stat == VW_RPC_RPC_MISMATCH) {
        fprintf(f, " MSG_DENIED RPC_MISMATCH low=%" PRIu32 " high=%" PRIu32, rep->mismatch.low,
                rep->mismatch.high);
    } else {
        fprintf(f, " MSG_DENIED AUTH_ERROR %s", vw_rpc_auth_stat_name(rep->auth_stat));
        if (vw_rpc_auth_stat_name(rep->auth_stat)[0] == '?') {
            fprintf(f, "(%" PRIu32 ")", rep->auth_stat);
        }
    }
}

/* An opaque_auth named |name|; |sys| is the decoded AUTH_SYS credential, or NULL. */
static void dump_auth_fields(FILE *f, uint32_t flavor, struct vw_span body,
                             const struct vw_rpc_authsys *sys, const char *indent,
                             const char *name) {
    fprintf(f, "%s%s.flavor: %" PRIu32 " %s\n", indent, name, flavor, vw_rpc_flavor_name(flavor));
    fprintf(f, "%s%s.body: %zu bytes ", indent, name, body.len);
    vw_dump_hex(f, body, 64);
    fputc('\n', f);
    if (sys == NULL) {
        return;
    }
    fprintf(f, "%s%s.sys.stamp: %" PRIu32 "\n", indent, name, sys->stamp);
    fprintf(f, "%s%s.sys.machinename: ", indent, name);
    vw_dump_string(f, sys->machinename, 255);
    fprintf(f, "\n%s%s.sys.uid: %" PRIu32 "\n", indent, name, sys->uid);
    fprintf(f, "%s%s.sys.gid: %" PRIu32 "\n", indent, name, sys->gid);
    fprintf(f, "%s%s.sys.gids: [", indent, name);
    for (uint32_t i = 0; i < sys->num_gids && i < VW_RPC_GIDS_MAX; i++) {
        fprintf(f, "%s%" PRIu32, i ? ", " : "", sys->gids[i]);
    }
    fputs("]\n", f);
}

void vw_dump_rpc_fields(FILE *f, const struct vw_rpc_msg *m, const char *indent) {
    const struct vw_rpc_reply *rep = &m->reply;

    fprintf(f, "%sxid: 0x%08" PRIx32 "\n", indent, m->xid);
    fprintf(f, "%smtype: %" PRIu32 " %s\n", indent, m->mtype,
            m->mtype == VW_RPC_CALL ? "CALL" : "REPLY");
    if (m->mtype == VW_RPC_CALL) {
        fprintf(f, "%srpcvers: %" PRIu32 "\n%sprog: %" PRIu32 "\n%svers: %" PRIu32 "\n"
                   "%sproc: %" PRIu32 "\n",
                indent, m->call.rpcvers, indent, m->call.prog, indent, m->call.vers, indent,
                m->call.proc);
        dump_auth_fields(f, m->call.cred.flavor, m->call.cred.body,
                         m->call.cred.has_sys ? &m->call.cred.sys : NULL, indent, "cred");
        dump_auth_fields(f, m->call.verf.flavor, m->call.verf.body, NULL, indent, "verf");
        fprintf(f, "%sargs: %zu bytes ", indent, m->call.args.len);
        vw_dump_hex(f, m->call.args, 256);
        fputc('\n', f);
        return;
    }
    fprintf(f, "%sreply_stat: %" PRIu32 " %s\n", indent, rep->stat,
            rep->stat == VW_RPC_MSG_ACCEPTED ? "MSG_ACCEPTED" : "MSG_DENIED");
    if (rep->stat == VW_RPC_MSG_ACCEPTED) {
        dump_auth_fields(f, rep->verf.flavor, rep->verf.body, NULL, indent, "verf");
        fprintf(f, "%saccept_stat: %" PRIu32 " %s\n", indent, rep->accept_stat,
                vw_rpc_accept_stat_name(rep->accept_stat));
        if (rep->accept_stat == VW_RPC_SUCCESS) {
            fprintf(f, "%sresults: %zu bytes ", indent, rep->results.len);
            vw_dump_hex(f, rep->results, 256);
            fputc('\n', f);
        }
    } else {
        fprintf(f, "%sreject_stat: %" PRIu32 " %s\n", indent, rep->reject_stat,
                rep->reject_stat == VW_RPC_RPC_MISMATCH ? "RPC_MISMATCH" : "AUTH_ERROR");
        if (rep->reject_stat == VW_RPC_AUTH_ERROR) {
            fprintf(f, "%sauth_stat: %" PRIu32 " %s\n", indent, rep->auth_stat,
                    vw_rpc_auth_stat_name(rep->auth_stat));
        }
    }
    if ((rep->stat == VW_RPC_MSG_ACCEPTED && rep->accept_stat == VW_RPC_PROG_MISMATCH) ||
        (rep->stat == VW_RPC_MSG_DENIED && rep->reject_stat == VW_RPC_RPC_MISMATCH)) {
        fprintf(f, "%smismatch.low: %" PRIu32 "\n%smismatch.high: %" PRIu32 "\n", indent,
                rep->mismatch.low, indent, rep->mismatch.high);
    }
}

static const char *kind_name(enum vw_pmap_kind k) {
    switch (k) {
    case VW_PMAP_K_VOID: return "void";
    case VW_PMAP_K_MAPPING: return "mapping";
    case VW_PMAP_K_BOOL: return "bool";
    case VW_PMAP_K_UINT: return "uint";
    case VW_PMAP_K_PMAPLIST: return "pmaplist";
    case VW_PMAP_K_CALL_ARGS: return "call_args";
    case VW_PMAP_K_CALL_RESULT: return "call_result";
    case VW_PMAP_K_RPCB: return "rpcb";
    case VW_PMAP_K_STRING: return "string";
    case VW_PMAP_K_RPCBLIST: return "rpcblist";
    case VW_PMAP_K_RMTCALL_RES: return "rmtcallres";
    case VW_PMAP_K_NETBUF: return "netbuf";
    case VW_PMAP_K_ENTRYLIST: return "rpcb_entry_list";
    }
    return "?";
}

static void dump_mapping(FILE *f, const struct vw_pmap_mapping *m) {
    fprintf(f, "{prog=%" PRIu32 " vers=%" PRIu32 " prot=%" PRIu32 " port=%" PRIu32 "}", m->prog,
            m->vers, m->prot, m->port);
}

static void dump_rpcb(FILE *f, const struct vw_rpcb *b) {
    fprintf(f, "{prog=%" PRIu32 " vers=%" PRIu32 " netid=", b->prog, b->vers);
    vw_dump_string(f, b->netid, 64);
    fputs(" addr=", f);
    vw_dump_string(f, b->addr, 64);
    fputs(" owner=", f);
    vw_dump_string(f, b->owner, 64);
    fputc('}', f);
}

static void dump_entry(FILE *f, const struct vw_rpcb_entry *e) {
    fputs("{maddr=", f);
    vw_dump_string(f, e->maddr, 64);
    fputs(" netid=", f);
    vw_dump_string(f, e->nc_netid, 64);
    fprintf(f, " semantics=%" PRIu32 " protofmly=", e->nc_semantics);
    vw_dump_string(f, e->nc_protofmly, 64);
    fputs(" proto=", f);
    vw_dump_string(f, e->nc_proto, 64);
    fputc('}', f);
}

static void dump_body(FILE *f, const struct vw_pmap_body *b, const char *sep, size_t list_max) {
    struct vw_pmap_list_iter it;
    union vw_pmap_entry entry;
    size_t i = 0;

    switch (b->kind) {
    case VW_PMAP_K_VOID:
        break;
    case VW_PMAP_K_MAPPING:
        dump_mapping(f, &b->mapping);
        break;
    case VW_PMAP_K_BOOL:
        fputs(b->value_bool ? "TRUE" : "FALSE", f);
        break;
    case VW_PMAP_K_UINT:
        fprintf(f, "%" PRIu32, b->value_uint);
        break;
    case VW_PMAP_K_PMAPLIST:
    case VW_PMAP_K_RPCBLIST:
    case VW_PMAP_K_ENTRYLIST:
        fprintf(f, "%" PRIu32 " entries", b->list.num_entries);
        vw_pmap_list_begin(&it, b);
        while (i < list_max && vw_pmap_list_next(&it, &entry) == 1) {
            fprintf(f, "%s[%zu] ", sep, i++);
            if (b->kind == VW_PMAP_K_PMAPLIST) {
                dump_mapping(f, &entry.m);
            } else if (b->kind == VW_PMAP_K_RPCBLIST) {
                dump_rpcb(f, &entry.b);
            } else {
                dump_entry(f, &entry.e);
            }
        }
        break;
    case VW_PMAP_K_CALL_ARGS:
        fprintf(f, "{prog=%" PRIu32 " vers=%" PRIu32 " proc=%" PRIu32 " args=%zuB}",
                b->call_args.prog, b->call_args.vers, b->call_args.proc, b->call_args.args.len);
        break;
    case VW_PMAP_K_CALL_RESULT:
        fprintf(f, "{port=%" PRIu32 " res=%zuB}", b->call_result.port,
                b->call_result.results.len);
        break;
    case VW_PMAP_K_RPCB:
        dump_rpcb(f, &b->rpcb);
        break;
    case VW_PMAP_K_STRING:
        vw_dump_string(f, b->string, 128);
        break;
    case VW_PMAP_K_RMTCALL_RES:
        fputs("{addr=", f);
        vw_dump_string(f, b->call_result.addr, 64);
        fprintf(f, " results=%zuB}", b->call_result.results.len);
        break;
    case VW_PMAP_K_NETBUF:
        fprintf(f, "{maxlen=%" PRIu32 " buf=", b->netbuf.maxlen);
        vw_dump_hex(f, b->netbuf.buf, 64);
        fputc('}', f);
        break;
    }
}

void vw_dump_pmap_line(FILE *f, const struct vw_pmap_body *b) {
    fputs(kind_name(b->kind), f);
    if (b->kind != VW_PMAP_K_VOID) {
        fputc(' ', f);
        dump_body(f, b, " ", 4);
    }
}

void vw_dump_pmap_fields(FILE *f, const struct vw_pmap_body *b, const char *indent) {
    char sep[64];

    snprintf(sep, sizeof(sep), "\n%s  ", indent);
    fprintf(f, "%sbody (%s): ", indent, kind_name(b->kind));
    dump_body(f, b, sep, SIZE_MAX);
    fputc('\n', f);
}
