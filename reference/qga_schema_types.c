/* qga_schema_types.c -- the qemu-ga 7.2 command schema as data: every type and command of
 * QEMU v7.2.0 qga/qapi-schema.json that a Linux build has (historic-qemud-openhook-qga.md
 * §3.4), written from the schema's type names; each comment names the schema type. */
#include <string.h>

#include "qga_schema.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define SCALAR(nm, k) { .name = nm, .kind = k }
#define ENUM(nm, v) { .name = nm, .kind = VW_QGA_ENUM, .n = COUNT(v), .names = v }
#define OBJECT(nm, m) { .name = nm, .kind = VW_QGA_OBJECT, .n = COUNT(m), .members = m }
#define ARRAY(nm, e) { .name = nm, .kind = VW_QGA_ARRAY, .element = e }
#define OPT 1

/* ---- built-in types (QAPI docs/devel/qapi-code-gen: "Built-in Types") ---- */

static const struct vw_qga_type builtins[] = {
    SCALAR("int", VW_QGA_INT),       SCALAR("int64", VW_QGA_INT),
    SCALAR("int8", VW_QGA_INT8),     SCALAR("int16", VW_QGA_INT16),
    SCALAR("int32", VW_QGA_INT32),   SCALAR("uint8", VW_QGA_UINT8),
    SCALAR("uint16", VW_QGA_UINT16), SCALAR("uint32", VW_QGA_UINT32),
    SCALAR("uint64", VW_QGA_UINT64), SCALAR("size", VW_QGA_SIZE),
    SCALAR("number", VW_QGA_NUMBER), SCALAR("bool", VW_QGA_BOOL),
    SCALAR("str", VW_QGA_STR),       SCALAR("any", VW_QGA_ANY),
};

#define T_INT (&builtins[0])
#define T_UINT16 (&builtins[6])
#define T_UINT64 (&builtins[8])
#define T_NUMBER (&builtins[10])
#define T_BOOL (&builtins[11])
#define T_STR (&builtins[12])

const struct vw_qga_type *vw_qga_builtin(const char *name) {
    for (size_t i = 0; i < COUNT(builtins); i++) {
        if (strcmp(builtins[i].name, name) == 0) {
            return &builtins[i];
        }
    }
    return NULL;
}

static const struct vw_qga_type t_str_list = ARRAY("['str']", T_STR);

/* ---- enums ---- */

static const char *const n_qgaseek[] = {"set", "cur", "end"};
static const struct vw_qga_type t_qgaseek = ENUM("QGASeek", n_qgaseek);

static const char *const n_fsfreeze_status[] = {"thawed", "frozen"};
static const struct vw_qga_type t_fsfreeze_status = ENUM("GuestFsfreezeStatus", n_fsfreeze_status);

static const char *const n_ip_address_type[] = {"ipv4", "ipv6"};
static const struct vw_qga_type t_ip_address_type = ENUM("GuestIpAddressType", n_ip_address_type);

static const char *const n_disk_bus_type[] = {
    "ide",   "fdc",     "scsi",     "virtio", "xen",  "usb",   "uml",
    "sata",  "sd",      "unknown",  "ieee1394", "ssa", "fibre", "raid",
    "iscsi", "sas",     "mmc",      "virtual", "file-backed-virtual", "nvme",
};
static const struct vw_qga_type t_disk_bus_type = ENUM("GuestDiskBusType", n_disk_bus_type);

static const char *const n_memblk_response_type[] = {
    "success", "not-found", "operation-not-supported", "operation-failed",
};
static const struct vw_qga_type t_memblk_response_type =
    ENUM("GuestMemoryBlockResponseType", n_memblk_response_type);

static const char *const n_device_type[] = {"pci"};
static const struct vw_qga_type t_device_type = ENUM("GuestDeviceType", n_device_type);

static const char *const n_cpu_stats_type[] = {"linux"};
static const struct vw_qga_type t_cpu_stats_type = ENUM("GuestCpuStatsType", n_cpu_stats_type);

/* ---- guest-info ---- */

static const struct vw_qga_member m_command_info[] = {
    {"name", T_STR, 0}, {"enabled", T_BOOL, 0}, {"success-response", T_BOOL, 0},
};
static const struct vw_qga_type t_command_info = OBJECT("GuestAgentCommandInfo", m_command_info);
static const struct vw_qga_type t_command_info_list =
    ARRAY("['GuestAgentCommandInfo']", &t_command_info);

static const struct vw_qga_member m_agent_info[] = {
    {"version", T_STR, 0}, {"supported_commands", &t_command_info_list, 0},
};
static const struct vw_qga_type t_agent_info = OBJECT("GuestAgentInfo", m_agent_info);

/* ---- guest-file-* ---- */

static const struct vw_qga_member m_file_read[] = {
    {"count", T_INT, 0}, {"buf-b64", T_STR, 0}, {"eof", T_BOOL, 0},
};
static const struct vw_qga_type t_file_read = OBJECT("GuestFileRead", m_file_read);

static const struct vw_qga_member m_file_write[] = {{"count", T_INT, 0}, {"eof", T_BOOL, 0}};
static const struct vw_qga_type t_file_write = OBJECT("GuestFileWrite", m_file_write);

static const struct vw_qga_member m_file_seek[] = {{"position", T_INT, 0}, {"eof", T_BOOL, 0}};
static const struct vw_qga_type t_file_seek = OBJECT("GuestFileSeek", m_file_seek);

/* GuestFileWhence: alternate { 'value': 'int', 'name': 'QGASeek' } */
static const struct vw_qga_type *const a_file_whence[] = {T_INT, &t_qgaseek};
static const struct vw_qga_type t_file_whence = {
    .name = "GuestFileWhence", .kind = VW_QGA_ALTERNATE, .n = 2, .arms = a_file_whence,
};

/* ---- guest-fstrim ---- */

static const struct vw_qga_member m_trim_result[] = {
    {"path", T_STR, 0}, {"trimmed", T_INT, OPT}, {"minimum", T_INT, OPT}, {"error", T_STR, OPT},
};
static const struct vw_qga_type t_trim_result = OBJECT("GuestFilesystemTrimResult", m_trim_result);
static const struct vw_qga_type t_trim_result_list =
    ARRAY("['GuestFilesystemTrimResult']", &t_trim_result);

static const struct vw_qga_member m_trim_response[] = {{"paths", &t_trim_result_list, 0}};
static const struct vw_qga_type t_trim_response =
    OBJECT("GuestFilesystemTrimResponse", m_trim_response);

/* ---- guest-network-get-interfaces ---- */

static const struct vw_qga_member m_ip_address[] = {
    {"ip-address", T_STR, 0}, {"ip-address-type", &t_ip_address_type, 0}, {"prefix", T_INT, 0},
};
static const struct vw_qga_type t_ip_address = OBJECT("GuestIpAddress", m_ip_address);
static const struct vw_qga_type t_ip_address_list = ARRAY("['GuestIpAddress']", &t_ip_address);

static const struct vw_qga_member m_nic_stat[] = {
    {"rx-bytes", T_UINT64, 0}, {"rx-packets", T_UINT64, 0}, {"rx-errs", T_UINT64, 0},
    {"rx-dropped", T_UINT64, 0}, {"tx-bytes", T_UINT64, 0}, {"tx-packets", T_UINT64, 0},
    {"tx-errs", T_UINT64, 0}, {"tx-dropped", T_UINT64, 0},
};
static const struct vw_qga_type t_nic_stat = OBJECT("GuestNetworkInterfaceStat", m_nic_stat);

static const struct vw_qga_member m_nic[] = {
    {"name", T_STR, 0},
    {"hardware-address", T_STR, OPT},
    {"ip-addresses", &t_ip_address_list, OPT},
    {"statistics", &t_nic_stat, OPT},
};
static const struct vw_qga_type t_nic = OBJECT("GuestNetworkInterface", m_nic);
static const struct vw_qga_type t_nic_list = ARRAY("['GuestNetworkInterface']", &t_nic);

/* ---- vcpus ---- */

static const struct vw_qga_member m_logical_processor[] = {
    {"logical-id", T_INT, 0}, {"online", T_BOOL, 0}, {"can-offline", T_BOOL, OPT},
};
static const struct vw_qga_type t_logical_processor =
    OBJECT("GuestLogicalProcessor", m_logical_processor);
static const struct vw_qga_type t_logical_processor_list =
    ARRAY("['GuestLogicalProcessor']", &t_logical_processor);

/* ---- disks and file systems ---- */

static const struct vw_qga_member m_pci_address[] = {
    {"domain", T_INT, 0}, {"bus", T_INT, 0}, {"slot", T_INT, 0}, {"function", T_INT, 0},
};
static const struct vw_qga_type t_pci_address = OBJECT("GuestPCIAddress", m_pci_address);

static const struct vw_qga_member m_ccw_address[] = {
    {"cssid", T_INT, 0}, {"ssid", T_INT, 0}, {"subchno", T_INT, 0}, {"devno", T_INT, 0},
};
static const struct vw_qga_type t_ccw_address = OBJECT("GuestCCWAddress", m_ccw_address);

static const struct vw_qga_member m_disk_address[] = {
    {"pci-controller", &t_pci_address, 0},
    {"bus-type", &t_disk_bus_type, 0},
    {"bus", T_INT, 0},
    {"target", T_INT, 0},
    {"unit", T_INT, 0},
    {"serial", T_STR, OPT},
    {"dev", T_STR, OPT},
    {"ccw-address", &t_ccw_address, OPT},
};
static const struct vw_qga_type t_disk_address = OBJECT("GuestDiskAddress", m_disk_address);
static const struct vw_qga_type t_disk_address_list =
    ARRAY("['GuestDiskAddress']", &t_disk_address);

static const struct vw_qga_member m_nvme_smart[] = {
    {"critical-warning", T_INT, 0},
    {"temperature", T_INT, 0},
    {"available-spare", T_INT, 0},
    {"available-spare-threshold", T_INT, 0},
    {"percentage-used", T_INT, 0},
    {"data-units-read-lo", T_UINT64, 0},
    {"data-units-read-hi", T_UINT64, 0},
    {"data-units-written-lo", T_UINT64, 0},
    {"data-units-written-hi", T_UINT64, 0},
    {"host-read-commands-lo", T_UINT64, 0},
    {"host-read-commands-hi", T_UINT64, 0},
    {"host-write-commands-lo", T_UINT64, 0},
    {"host-write-commands-hi", T_UINT64, 0},
    {"controller-busy-time-lo", T_UINT64, 0},
    {"controller-busy-time-hi", T_UINT64, 0},
    {"power-cycles-lo", T_UINT64, 0},
    {"power-cycles-hi", T_UINT64, 0},
    {"power-on-hours-lo", T_UINT64, 0},
    {"power-on-hours-hi", T_UINT64, 0},
    {"unsafe-shutdowns-lo", T_UINT64, 0},
    {"unsafe-shutdowns-hi", T_UINT64, 0},
    {"media-errors-lo", T_UINT64, 0},
    {"media-errors-hi", T_UINT64, 0},
    {"number-of-error-log-entries-lo", T_UINT64, 0},
    {"number-of-error-log-entries-hi", T_UINT64, 0},
};
static const struct vw_qga_type t_nvme_smart = OBJECT("GuestNVMeSmart", m_nvme_smart);

/* GuestDiskSmart: union, base { 'type': 'GuestDiskBusType' }, data { 'nvme': GuestNVMeSmart } */
static const struct vw_qga_member m_disk_smart_base[] = {{"type", &t_disk_bus_type, 0}};
static const struct vw_qga_branch b_disk_smart[] = {{"nvme", &t_nvme_smart}};
static const struct vw_qga_type t_disk_smart = {
    .name = "GuestDiskSmart", .kind = VW_QGA_UNION, .n = COUNT(b_disk_smart),
    .members = m_disk_smart_base, .discriminator = "type", .branches = b_disk_smart,
};

static const struct vw_qga_member m_disk_info[] = {
    {"name", T_STR, 0},           {"partition", T_BOOL, 0},
    {"dependencies", &t_str_list, OPT}, {"address", &t_disk_address, OPT},
    {"alias", T_STR, OPT},        {"smart", &t_disk_smart, OPT},
};
static const struct vw_qga_type t_disk_info = OBJECT("GuestDiskInfo", m_disk_info);
static const struct vw_qga_type t_disk_info_list = ARRAY("['GuestDiskInfo']", &t_disk_info);

static const struct vw_qga_member m_fs_info[] = {
    {"name", T_STR, 0},
    {"mountpoint", T_STR, 0},
    {"type", T_STR, 0},
    {"used-bytes", T_UINT64, OPT},
    {"total-bytes", T_UINT64, OPT},
    {"disk", &t_disk_address_list, 0},
};
static const struct vw_qga_type t_fs_info = OBJECT("GuestFilesystemInfo", m_fs_info);
static const struct vw_qga_type t_fs_info_list = ARRAY("['GuestFilesystemInfo']", &t_fs_info);

/* ---- memory blocks ---- */

static const struct vw_qga_member m_memblk[] = {
    {"phys-index", T_UINT64, 0}, {"online", T_BOOL, 0}, {"can-offline", T_BOOL, OPT},
};
static const struct vw_qga_type t_memblk = OBJECT("GuestMemoryBlock", m_memblk);
static const struct vw_qga_type t_memblk_list = ARRAY("['GuestMemoryBlock']", &t_memblk);

static const struct vw_qga_member m_memblk_response[] = {
    {"phys-index", T_UINT64, 0},
    {"response", &t_memblk_response_type, 0},
    {"error-code", T_INT, OPT},
};
static const struct vw_qga_type t_memblk_response =
    OBJECT("GuestMemoryBlockResponse", m_memblk_response);
static const struct vw_qga_type t_memblk_response_list =
    ARRAY("['GuestMemoryBlockResponse']", &t_memblk_response);

static const struct vw_qga_member m_memblk_info[] = {{"size", T_UINT64, 0}};
static const struct vw_qga_type t_memblk_info = OBJECT("GuestMemoryBlockInfo", m_memblk_info);

/* ---- guest-exec ---- */

static const struct vw_qga_member m_exec_status[] = {
    {"exited", T_BOOL, 0},          {"exitcode", T_INT, OPT},      {"signal", T_INT, OPT},
    {"out-data", T_STR, OPT},       {"err-data", T_STR, OPT},      {"out-truncated", T_BOOL, OPT},
    {"err-truncated", T_BOOL, OPT},
};
static const struct vw_qga_type t_exec_status = OBJECT("GuestExecStatus", m_exec_status);

static const struct vw_qga_member m_exec[] = {{"pid", T_INT, 0}};
static const struct vw_qga_type t_exec = OBJECT("GuestExec", m_exec);

/* ---- host name, users, time zone, OS ---- */

static const struct vw_qga_member m_host_name[] = {{"host-name", T_STR, 0}};
static const struct vw_qga_type t_host_name = OBJECT("GuestHostName", m_host_name);

static const struct vw_qga_member m_user[] = {
    {"user", T_STR, 0}, {"login-time", T_NUMBER, 0}, {"domain", T_STR, OPT},
};
static const struct vw_qga_type t_user = OBJECT("GuestUser", m_user);
static const struct vw_qga_type t_user_list = ARRAY("['GuestUser']", &t_user);

static const struct vw_qga_member m_timezone[] = {{"zone", T_STR, OPT}, {"offset", T_INT, 0}};
static const struct vw_qga_type t_timezone = OBJECT("GuestTimezone", m_timezone);

static const struct vw_qga_member m_os_info[] = {
    {"kernel-release", T_STR, OPT}, {"kernel-version", T_STR, OPT}, {"machine", T_STR, OPT},
    {"id", T_STR, OPT},             {"name", T_STR, OPT},           {"pretty-name", T_STR, OPT},
    {"version", T_STR, OPT},        {"version-id", T_STR, OPT},     {"variant", T_STR, OPT},
    {"variant-id", T_STR, OPT},
};
static const struct vw_qga_type t_os_info = OBJECT("GuestOSInfo", m_os_info);

/* ---- guest-get-devices (Windows only in practice; listed and disabled on Linux) ---- */

static const struct vw_qga_member m_device_id_pci[] = {
    {"vendor-id", T_UINT16, 0}, {"device-id", T_UINT16, 0},
};
static const struct vw_qga_type t_device_id_pci = OBJECT("GuestDeviceIdPCI", m_device_id_pci);

/* GuestDeviceId: union, base { 'type': 'GuestDeviceType' }, data { 'pci': GuestDeviceIdPCI } */
static const struct vw_qga_member m_device_id_base[] = {{"type", &t_device_type, 0}};
static const struct vw_qga_branch b_device_id[] = {{"pci", &t_device_id_pci}};
static const struct vw_qga_type t_device_id = {
    .name = "GuestDeviceId", .kind = VW_QGA_UNION, .n = COUNT(b_device_id),
    .members = m_device_id_base, .discriminator = "type", .branches = b_device_id,
};

static const struct vw_qga_member m_device_info[] = {
    {"driver-name", T_STR, 0},
    {"driver-date", T_INT, OPT},
    {"driver-version", T_STR, OPT},
    {"id", &t_device_id, OPT},
};
static const struct vw_qga_type t_device_info = OBJECT("GuestDeviceInfo", m_device_info);
static const struct vw_qga_type t_device_info_list = ARRAY("['GuestDeviceInfo']", &t_device_info);

/* ---- ssh keys ---- */

static const struct vw_qga_member m_authorized_keys[] = {{"keys", &t_str_list, 0}};
static const struct vw_qga_type t_authorized_keys =
    OBJECT("GuestAuthorizedKeys", m_authorized_keys);

/* ---- disk and CPU statistics (since 7.1) ---- */

static const struct vw_qga_member m_disk_stats[] = {
    {"read-sectors", T_UINT64, OPT},    {"read-ios", T_UINT64, OPT},
    {"read-merges", T_UINT64, OPT},     {"write-sectors", T_UINT64, OPT},
    {"write-ios", T_UINT64, OPT},       {"write-merges", T_UINT64, OPT},
    {"discard-sectors", T_UINT64, OPT}, {"discard-ios", T_UINT64, OPT},
    {"discard-merges", T_UINT64, OPT},  {"flush-ios", T_UINT64, OPT},
    {"read-ticks", T_UINT64, OPT},      {"write-ticks", T_UINT64, OPT},
    {"discard-ticks", T_UINT64, OPT},   {"flush-ticks", T_UINT64, OPT},
    {"ios-pgr", T_UINT64, OPT},         {"total-ticks", T_UINT64, OPT},
    {"weight-ticks", T_UINT64, OPT},
};
static const struct vw_qga_type t_disk_stats = OBJECT("GuestDiskStats", m_disk_stats);

static const struct vw_qga_member m_disk_stats_info[] = {
    {"name", T_STR, 0}, {"major", T_UINT64, 0}, {"minor", T_UINT64, 0},
    {"stats", &t_disk_stats, 0},
};
static const struct vw_qga_type t_disk_stats_info =
    OBJECT("GuestDiskStatsInfo", m_disk_stats_info);
static const struct vw_qga_type t_disk_stats_info_list =
    ARRAY("['GuestDiskStatsInfo']", &t_disk_stats_info);

static const struct vw_qga_member m_linux_cpu_stats[] = {
    {"cpu", T_INT, 0},         {"user", T_UINT64, 0},      {"nice", T_UINT64, 0},
    {"system", T_UINT64, 0},   {"idle", T_UINT64, 0},      {"iowait", T_UINT64, OPT},
    {"irq", T_UINT64, OPT},    {"softirq", T_UINT64, OPT}, {"steal", T_UINT64, OPT},
    {"guest", T_UINT64, OPT},  {"guestnice", T_UINT64, OPT},
};
static const struct vw_qga_type t_linux_cpu_stats =
    OBJECT("GuestLinuxCpuStats", m_linux_cpu_stats);

/* GuestCpuStats: union, base { 'type': 'GuestCpuStatsType' }, data { 'linux': ... } */
static const struct vw_qga_member m_cpu_stats_base[] = {{"type", &t_cpu_stats_type, 0}};
static const struct vw_qga_branch b_cpu_stats[] = {{"linux", &t_linux_cpu_stats}};
static const struct vw_qga_type t_cpu_stats = {
    .name = "GuestCpuStats", .kind = VW_QGA_UNION, .n = COUNT(b_cpu_stats),
    .members = m_cpu_stats_base, .discriminator = "type", .branches = b_cpu_stats,
};
static const struct vw_qga_type t_cpu_stats_list = ARRAY("['GuestCpuStats']", &t_cpu_stats);

/* ---- command arguments ('data' of each command, QAPI's implicit argument structs) ---- */

static const struct vw_qga_member a_id[] = {{"id", T_INT, 0}};
static const struct vw_qga_type args_sync = OBJECT("guest-sync, -delimited arguments", a_id);

static const struct vw_qga_member a_set_time[] = {{"time", T_INT, OPT}};
static const struct vw_qga_type args_set_time = OBJECT("guest-set-time arguments", a_set_time);

static const struct vw_qga_member a_shutdown[] = {{"mode", T_STR, OPT}};
static const struct vw_qga_type args_shutdown = OBJECT("guest-shutdown arguments", a_shutdown);

static const struct vw_qga_member a_file_open[] = {{"path", T_STR, 0}, {"mode", T_STR, OPT}};
static const struct vw_qga_type args_file_open = OBJECT("guest-file-open arguments", a_file_open);

static const struct vw_qga_member a_handle[] = {{"handle", T_INT, 0}};
static const struct vw_qga_type args_handle =
    OBJECT("guest-file-close, -flush arguments", a_handle);

static const struct vw_qga_member a_file_read[] = {{"handle", T_INT, 0}, {"count", T_INT, OPT}};
static const struct vw_qga_type args_file_read = OBJECT("guest-file-read arguments", a_file_read);

static const struct vw_qga_member a_file_write[] = {
    {"handle", T_INT, 0}, {"buf-b64", T_STR, 0}, {"count", T_INT, OPT},
};
static const struct vw_qga_type args_file_write =
    OBJECT("guest-file-write arguments", a_file_write);

static const struct vw_qga_member a_file_seek[] = {
    {"handle", T_INT, 0}, {"offset", T_INT, 0}, {"whence", &t_file_whence, 0},
};
static const struct vw_qga_type args_file_seek = OBJECT("guest-file-seek arguments", a_file_seek);

static const struct vw_qga_member a_freeze_list[] = {{"mountpoints", &t_str_list, OPT}};
static const struct vw_qga_type args_freeze_list =
    OBJECT("guest-fsfreeze-freeze-list arguments", a_freeze_list);

static const struct vw_qga_member a_fstrim[] = {{"minimum", T_INT, OPT}};
static const struct vw_qga_type args_fstrim = OBJECT("guest-fstrim arguments", a_fstrim);

static const struct vw_qga_member a_set_vcpus[] = {{"vcpus", &t_logical_processor_list, 0}};
static const struct vw_qga_type args_set_vcpus = OBJECT("guest-set-vcpus arguments", a_set_vcpus);

static const struct vw_qga_member a_set_password[] = {
    {"username", T_STR, 0}, {"password", T_STR, 0}, {"crypted", T_BOOL, 0},
};
static const struct vw_qga_type args_set_password =
    OBJECT("guest-set-user-password arguments", a_set_password);

static const struct vw_qga_member a_set_memblks[] = {{"mem-blks", &t_memblk_list, 0}};
static const struct vw_qga_type args_set_memblks =
    OBJECT("guest-set-memory-blocks arguments", a_set_memblks);

static const struct vw_qga_member a_exec_status[] = {{"pid", T_INT, 0}};
static const struct vw_qga_type args_exec_status =
    OBJECT("guest-exec-status arguments", a_exec_status);

/* guest-exec in 7.2: 'capture-output' is a plain 'bool' (GuestExecCaptureOutput and
 * 'merge-output' came in 8.0; historic-qemud-openhook-qga.md §3.4). */
static const struct vw_qga_member a_exec[] = {
    {"path", T_STR, 0},         {"arg", &t_str_list, OPT},       {"env", &t_str_list, OPT},
    {"input-data", T_STR, OPT}, {"capture-output", T_BOOL, OPT},
};
static const struct vw_qga_type args_exec = OBJECT("guest-exec arguments", a_exec);

static const struct vw_qga_member a_ssh_get[] = {{"username", T_STR, 0}};
static const struct vw_qga_type args_ssh_get =
    OBJECT("guest-ssh-get-authorized-keys arguments", a_ssh_get);

static const struct vw_qga_member a_ssh_add[] = {
    {"username", T_STR, 0}, {"keys", &t_str_list, 0}, {"reset", T_BOOL, OPT},
};
static const struct vw_qga_type args_ssh_add =
    OBJECT("guest-ssh-add-authorized-keys arguments", a_ssh_add);

static const struct vw_qga_member a_ssh_remove[] = {
    {"username", T_STR, 0}, {"keys", &t_str_list, 0},
};
static const struct vw_qga_type args_ssh_remove =
    OBJECT("guest-ssh-remove-authorized-keys arguments", a_ssh_remove);

/* ---- the commands, in schema order (historic-qemud-openhook-qga.md §3.4 "Full 7.2 command
 * list"); 'success-response': false only for shutdown and the three suspends. ---- */

const struct vw_qga_command vw_qga_commands[VW_QGA_NUM_COMMANDS] = {
    {"guest-sync-delimited", &args_sync, T_INT, 1},
    {"guest-sync", &args_sync, T_INT, 1},
    {"guest-ping", NULL, NULL, 1},
    {"guest-get-time", NULL, T_INT, 1},
    {"guest-set-time", &args_set_time, NULL, 1},
    {"guest-info", NULL, &t_agent_info, 1},
    {"guest-shutdown", &args_shutdown, NULL, 0},
    {"guest-file-open", &args_file_open, T_INT, 1},
    {"guest-file-close", &args_handle, NULL, 1},
    {"guest-file-read", &args_file_read, &t_file_read, 1},
    {"guest-file-write", &args_file_write, &t_file_write, 1},
    {"guest-file-seek", &args_file_seek, &t_file_seek, 1},
    {"guest-file-flush", &args_handle, NULL, 1},
    {"guest-fsfreeze-status", NULL, &t_fsfreeze_status, 1},
    {"guest-fsfreeze-freeze", NULL, T_INT, 1},
    {"guest-fsfreeze-freeze-list", &args_freeze_list, T_INT, 1},
    {"guest-fsfreeze-thaw", NULL, T_INT, 1},
    {"guest-fstrim", &args_fstrim, &t_trim_response, 1},
    {"guest-suspend-disk", NULL, NULL, 0},
    {"guest-suspend-ram", NULL, NULL, 0},
    {"guest-suspend-hybrid", NULL, NULL, 0},
    {"guest-network-get-interfaces", NULL, &t_nic_list, 1},
    {"guest-get-vcpus", NULL, &t_logical_processor_list, 1},
    {"guest-set-vcpus", &args_set_vcpus, T_INT, 1},
    {"guest-get-disks", NULL, &t_disk_info_list, 1},
    {"guest-get-fsinfo", NULL, &t_fs_info_list, 1},
    {"guest-set-user-password", &args_set_password, NULL, 1},
    {"guest-get-memory-blocks", NULL, &t_memblk_list, 1},
    {"guest-set-memory-blocks", &args_set_memblks, &t_memblk_response_list, 1},
    {"guest-get-memory-block-info", NULL, &t_memblk_info, 1},
    {"guest-exec-status", &args_exec_status, &t_exec_status, 1},
    {"guest-exec", &args_exec, &t_exec, 1},
    {"guest-get-host-name", NULL, &t_host_name, 1},
    {"guest-get-users", NULL, &t_user_list, 1},
    {"guest-get-timezone", NULL, &t_timezone, 1},
    {"guest-get-osinfo", NULL, &t_os_info, 1},
    {"guest-get-devices", NULL, &t_device_info_list, 1},
    {"guest-ssh-get-authorized-keys", &args_ssh_get, &t_authorized_keys, 1},
    {"guest-ssh-add-authorized-keys", &args_ssh_add, NULL, 1},
    {"guest-ssh-remove-authorized-keys", &args_ssh_remove, NULL, 1},
    {"guest-get-diskstats", NULL, &t_disk_stats_info_list, 1},
    {"guest-get-cpustats", NULL, &t_cpu_stats_list, 1},
};
