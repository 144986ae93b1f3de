/* tandem: the command line.  Parse QEMU-style options, build the PC, pick
 * the engine, run.  Every bad option or value gets one line on stderr,
 * "tandem: <what is wrong>", and exit status 1. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accel/accel.h"
#include "config.h"
#include "cpu/cpuid.h"
#include "cpu/state.h"
#include "debug/log.h"
#include "hw/machine.h"
#include "hw/pc.h"
#include "hw/vga.h"

#ifndef TANDEM_VERSION
#define TANDEM_VERSION "0.1"
#endif

#define DEFAULT_RAM (128ull << 20)
#define MAX_RAM (1ull << 40)

enum opt_id {
    OPT_M, OPT_ACCEL, OPT_ENABLE_KVM, OPT_BIOS, OPT_DEBUGCON, OPT_CHARDEV,
    OPT_DEVICE, OPT_SERIAL, OPT_NOGRAPHIC, OPT_DISPLAY, OPT_MONITOR,
    OPT_NO_REBOOT, OPT_D, OPT_LOGFILE, OPT_QUIET, OPT_HELP, OPT_VERSION,
    OPT_BOOT, OPT_L, OPT_VGA, OPT_SCREENDUMP, OPT_KERNEL, OPT_INITRD,
    OPT_APPEND, OPT_DRIVE, OPT_HDA, OPT_HDB, OPT_HDC, OPT_HDD, OPT_CDROM,
    OPT_SNAPSHOT,
};

struct opt {
    const char *name;
    bool has_arg;
    enum opt_id id;
};

static const struct opt opts[] = {
    { "m", true, OPT_M },
    { "accel", true, OPT_ACCEL },
    { "enable-kvm", false, OPT_ENABLE_KVM },
    { "bios", true, OPT_BIOS },
    { "boot", true, OPT_BOOT },
    { "kernel", true, OPT_KERNEL },
    { "initrd", true, OPT_INITRD },
    { "append", true, OPT_APPEND },
    { "drive", true, OPT_DRIVE },
    { "hda", true, OPT_HDA },
    { "hdb", true, OPT_HDB },
    { "hdc", true, OPT_HDC },
    { "hdd", true, OPT_HDD },
    { "cdrom", true, OPT_CDROM },
    { "snapshot", false, OPT_SNAPSHOT },
    { "L", true, OPT_L },
    { "vga", true, OPT_VGA },
    { "screendump-at-exit", true, OPT_SCREENDUMP },
    { "debugcon", true, OPT_DEBUGCON },
    { "chardev", true, OPT_CHARDEV },
    { "device", true, OPT_DEVICE },
    { "serial", true, OPT_SERIAL },
    { "nographic", false, OPT_NOGRAPHIC },
    { "display", true, OPT_DISPLAY },
    { "monitor", true, OPT_MONITOR },
    { "no-reboot", false, OPT_NO_REBOOT },
    { "d", true, OPT_D },
    { "D", true, OPT_LOGFILE },
    { "q", false, OPT_QUIET },
    { "h", false, OPT_HELP },
    { "help", false, OPT_HELP },
    { "version", false, OPT_VERSION },
};

static void usage(FILE *f)
{
    fputs(
"usage: tandem [options]\n"
"A PC emulator with two engines (a software interpreter and KVM) driving\n"
"one shared board.  Options follow QEMU's; -opt and --opt are the same.\n"
"\n"
"  -m SIZE             guest RAM (default 128M; suffixes K, M, G, T; a bare\n"
"                      number is MiB)\n"
"  -accel LIST         engine: interp, kvm, or a fall-back list such as\n"
"                      kvm:interp (default interp); -enable-kvm = -accel kvm\n"
"  -bios FILE          BIOS image: a multiple of 64 KiB, mapped to end at\n"
"                      4 GiB (default " PC_DEFAULT_BIOS ")\n"
"  -L DIR              look for firmware files (-bios NAME) in DIR first\n"
"  -kernel FILE        boot a Linux bzImage: through the BIOS (our\n"
"                      linux-boot option ROM), or directly with -bios none\n"
"  -initrd FILE        the initial ramdisk for -kernel\n"
"  -append CMDLINE     the kernel command line for -kernel\n"
"  -drive file=IMAGE[,media=disk|cdrom][,index=0-3|,bus=0-1,unit=0-1]\n"
"         [,format=raw][,if=ide][,readonly=on|off][,snapshot=on|off]\n"
"                      an IDE drive with a raw image (index 0-3: primary\n"
"                      master/slave, secondary master/slave); a comma in\n"
"                      IMAGE is written twice\n"
"  -hda/-hdb/-hdc/-hdd IMAGE  a hard disk at index 0/1/2/3 (a bare IMAGE\n"
"                      argument is -hda)\n"
"  -cdrom IMAGE        a CD-ROM at index 2 (the secondary master)\n"
"  -snapshot           guest writes to disks stay in memory; the images\n"
"                      are not changed\n"
"  -boot [order=]DRIVES[,menu=on|off][,splash-time=MS][,reboot-timeout=MS]\n"
"        [,strict=on|off]\n"
"                      BIOS boot order: c disk, d CD-ROM, a floppy, n net\n"
"                      (default cad); reboot-timeout after a failed boot\n"
"                      (default -1: wait)\n"
"  -serial DEV         COM1 (repeat for COM2-COM4); DEV is stdio,\n"
"                      file:PATH, null, none or chardev:ID (default null)\n"
"  -nographic          no display; COM1 on the terminal (C-a h for help)\n"
"  -display none       no display\n"
"  -vga std|none       the VGA card (default std: stdvga with VBE on PCI)\n"
"  -screendump-at-exit FILE  write the screen when the guest ends: the text\n"
"                      screen as UTF-8, or a picture if FILE ends in .ppm\n"
"  -monitor none       no monitor (the only choice so far)\n"
"  -debugcon DEV       debug console on port 0xe9 (DEV as for -serial)\n"
"  -chardev BACKEND,id=ID[,path=PATH][,signal=on|off]\n"
"                      a named character device (stdio, file, null)\n"
"  -device DRIVER[,prop=value...]\n"
"                      isa-debugcon, isa-debug-exit, isa-serial (-device help)\n"
"  -no-reboot          exit instead of rebooting on reset or triple fault\n"
"  -d ITEM,...         log categories (-d help lists them)\n"
"  -D FILE             write the log to FILE instead of stderr\n"
"  -q                  quiet: don't print the engine line\n"
"  -h, -help           this help\n"
"  -version            print the version\n"
"\n"
"Exit status: the guest's isa-debug-exit status, 0 on power-off, 1 on error.\n",
        f);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
                                                     noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fputs("tandem: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

/* QEMU's -m: [size=]N[K|M|G|T], a bare number in MiB; rounded up to 8 KiB
 * as QEMU does. */
static uint64_t parse_ram_size(const char *arg)
{
    const char *s = arg;
    if (strncmp(s, "size=", 5) == 0)
        s += 5;
    if (*s < '0' || *s > '9')
        die("-m %s: invalid size (use e.g. 128M or 2G)", arg);
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    uint64_t shift = 20;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        case 'b': case 'B': shift = 0; break;
        default: shift = 99; break;
        }
        end++;
        if (*end == 'i' && shift != 0 && shift != 99)
            end++;
        if ((*end == 'b' || *end == 'B') && shift != 0)
            end++;
    }
    if (errno || *end || shift == 99)
        die("-m %s: invalid size (use e.g. 128M or 2G)", arg);
    if (v == 0 || v > (MAX_RAM >> shift))
        die("-m %s: size out of range (1M to 1T)", arg);
    uint64_t bytes = (uint64_t)v << shift;
    if (bytes < (1u << 20))
        die("-m %s: at least 1M of RAM is needed", arg);
    return (bytes + 8191) & ~8191ull;
}

static void check_accel_list(const char *list)
{
    const char *p = list;
    if (!*p)
        die("-accel: empty engine list (interp, kvm)");
    for (;;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (!((len == 6 && !strncmp(p, "interp", 6)) ||
              (len == 3 && !strncmp(p, "kvm", 3))))
            die("-accel %s: unknown engine '%.*s' (interp, kvm, or a list "
                "like kvm:interp)", list, (int)len, p);
        if (!end)
            break;
        p = end + 1;
    }
}

static int pc_reset_state(void *opaque, struct x86_state *st, char *err,
                          size_t errlen)
{
    return pc_initial_state(opaque, st, err, errlen);
}

static const struct opt *find_opt(const char *arg)
{
    if (arg[0] != '-' || !arg[1])
        return NULL;
    const char *name = arg + 1;
    if (name[0] == '-')
        name++;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

int main(int argc, char **argv)
{
    struct pc_config cfg;
    char accel_list[256] = "";
    const char *log_file = NULL;
    unsigned log_mask = 0;
    bool quiet = false, nographic = false, serial_given = false;
    const char *screendump = NULL;
    struct run_options ropt;
    char err[1024];

    memset(&cfg, 0, sizeof cfg);
    memset(&ropt, 0, sizeof ropt);
    cfg.ram_size = DEFAULT_RAM;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const struct opt *o = find_opt(arg);
        const char *val = NULL;
        if (!o) {
            if (arg[0] == '-')
                die("unknown option '%s' (try -h)", arg);
            /* QEMU's rule: a bare argument is the first hard disk */
            if (cfg.nr_drives == PC_MAX_DRIVES)
                die("%s: at most %d drive options", arg, PC_MAX_DRIVES);
            cfg.drives[cfg.nr_drives++] =
                (struct drive_arg){ .opt = arg, .index = 0 };
            continue;
        }
        if (o->has_arg) {
            if (i + 1 >= argc)
                die("option %s needs a value", arg);
            val = argv[++i];
        }
        switch (o->id) {
        case OPT_M:
            cfg.ram_size = parse_ram_size(val);
            break;
        case OPT_ACCEL:
        case OPT_ENABLE_KVM: {
            const char *v = o->id == OPT_ACCEL ? val : "kvm";
            if (o->id == OPT_ACCEL)
                check_accel_list(v);
            size_t used = strlen(accel_list);
            if (used + strlen(v) + 2 > sizeof accel_list)
                die("-accel: engine list too long");
            /* repeated -accel options form a fall-back list, as in QEMU */
            snprintf(accel_list + used, sizeof accel_list - used, "%s%s",
                     used ? ":" : "", v);
            break;
        }
        case OPT_BIOS:
            if (!*val)
                die("-bios: empty file name");
            cfg.bios = val;
            break;
        case OPT_KERNEL:
        case OPT_INITRD:
            if (!*val)
                die("%s: empty file name", arg);
            if (o->id == OPT_KERNEL)
                cfg.kernel = val;
            else
                cfg.initrd = val;
            break;
        case OPT_APPEND:
            cfg.append = val;
            break;
        case OPT_DRIVE:
        case OPT_HDA:
        case OPT_HDB:
        case OPT_HDC:
        case OPT_HDD:
        case OPT_CDROM:
            if (cfg.nr_drives == PC_MAX_DRIVES)
                die("%s %s: at most %d drive options", arg, val,
                    PC_MAX_DRIVES);
            cfg.drives[cfg.nr_drives++] = (struct drive_arg){
                .opt = val,
                .index = o->id == OPT_DRIVE ? -1 :
                         o->id == OPT_CDROM ? 2 : (int)(o->id - OPT_HDA),
                .cdrom = o->id == OPT_CDROM,
            };
            break;
        case OPT_SNAPSHOT:
            cfg.snapshot = true;
            break;
        case OPT_DEBUGCON:
            cfg.debugcon = val;
            break;
        case OPT_BOOT:
            if (pc_parse_boot(&cfg, val, err, sizeof err))
                die("%s", err);
            break;
        case OPT_SCREENDUMP:
            if (!*val)
                die("-screendump-at-exit: empty file name");
            screendump = val;
            break;
        case OPT_VGA:
            if (strcmp(val, "std") != 0 && strcmp(val, "none") != 0)
                die("-vga %s: unknown adapter (std, none)", val);
            cfg.vga = val;
            break;
        case OPT_L:
            if (!*val)
                die("-L: empty directory name");
            if (cfg.nr_fw_dirs == PC_MAX_FW_DIRS)
                die("-L %s: at most %d directories", val, PC_MAX_FW_DIRS);
            cfg.fw_dirs[cfg.nr_fw_dirs++] = val;
            break;
        case OPT_CHARDEV:
            if (cfg.nr_chardevs == PC_MAX_OPTS)
                die("-chardev: at most %d", PC_MAX_OPTS);
            cfg.chardevs[cfg.nr_chardevs++] = val;
            break;
        case OPT_DEVICE:
            if (strcmp(val, "help") == 0) {
                pc_print_devices(stdout);
                return 0;
            }
            if (cfg.nr_devices == PC_MAX_OPTS)
                die("-device: at most %d", PC_MAX_OPTS);
            cfg.devices[cfg.nr_devices++] = val;
            break;
        case OPT_SERIAL:
            if (cfg.nr_serial == PC_MAX_SERIAL)
                die("-serial %s: at most %d serial ports", val,
                    PC_MAX_SERIAL);
            cfg.serial[cfg.nr_serial++] = val;
            serial_given = true;
            break;
        case OPT_NOGRAPHIC:
            nographic = true;
            break;
        case OPT_DISPLAY:
            if (strcmp(val, "none") != 0)
                die("-display %s: only -display none is supported so far",
                    val);
            break;
        case OPT_MONITOR:
            if (strcmp(val, "none") != 0)
                die("-monitor %s: only -monitor none is supported so far",
                    val);
            break;
        case OPT_NO_REBOOT:
            ropt.no_reboot = true;
            break;
        case OPT_D:
            if (strcmp(val, "help") == 0) {
                log_print_help(stdout);
                return 0;
            }
            if (log_parse_mask(val, &log_mask, err, sizeof err))
                die("-d %s: %s", val, err);
            break;
        case OPT_LOGFILE:
            if (!*val)
                die("-D: empty file name");
            log_file = val;
            break;
        case OPT_QUIET:
            quiet = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_VERSION:
            printf("tandem version %s\n", TANDEM_VERSION);
            return 0;
        }
    }

    /* QEMU's defaults: COM1 always exists; -nographic puts it on the
     * terminal (with Ctrl-C going to the guest). */
    if (!serial_given) {
        cfg.serial[0] = nographic ? "mon:stdio" : "null";
        cfg.nr_serial = 1;
    }
    cfg.nographic = nographic;
    if (!accel_list[0])
        snprintf(accel_list, sizeof accel_list, "interp");

    FILE *logf = NULL;
    if (log_file) {
        logf = fopen(log_file, "w");
        if (!logf)
            die("-D %s: %s", log_file, strerror(errno));
    }

    struct machine *m = machine_new(cfg.ram_size, err, sizeof err);
    if (!m)
        die("-m: %s", err);
    struct logger *log = machine_logger(m);
    log->mask = log_mask;
    log->f = logf;

    struct pc *pc = pc_build(&cfg, m, err, sizeof err);
    if (!pc) {
        machine_free(m);
        die("%s", err);
    }

    const struct cpu_model *model = cpu_model_default();
    struct accel_choice choice;
    if (accel_choose(accel_list, m, model, &choice, err, sizeof err)) {
        pc_free(pc);
        machine_free(m);
        /* err names the engine that refused; say the list if there was one */
        if (strchr(accel_list, ':'))
            die("-accel %s: %s", accel_list, err);
        die("%s", err);
    }
    if (!quiet) {
        /* With a fall-back list, say why the earlier engines were passed over
         * (err then holds the last refusal). */
        size_t first = strcspn(accel_list, ":");
        bool fell_back = strlen(choice.ops->name) != first ||
                         strncmp(accel_list, choice.ops->name, first) != 0;
        if (fell_back)
            fprintf(stderr, "tandem: engine: %s (%s)\n", choice.ops->name, err);
        else
            fprintf(stderr, "tandem: engine: %s\n", choice.ops->name);
    }

    struct x86_state st;
    if (pc_initial_state(pc, &st, err, sizeof err) < 0) {
        choice.ops->destroy(choice.accel);
        pc_free(pc);
        machine_free(m);
        die("%s", err);
    }
    ropt.reset_state = pc_reset_state;
    ropt.reset_opaque = pc;
    if (choice.ops->set_state(choice.vcpu, &st) != 0) {
        choice.ops->destroy(choice.accel);
        pc_free(pc);
        machine_free(m);
        die("%s: cannot set the initial CPU state", choice.ops->name);
    }

    int status = accel_run_loop(m, &choice, &ropt);
    if (screendump) {
        if (!pc->vga)
            fprintf(stderr, "tandem: -screendump-at-exit %s: no VGA card "
                    "(-vga none)\n", screendump);
        else if (vga_screendump(pc->vga, screendump, err, sizeof err) < 0)
            fprintf(stderr, "tandem: -screendump-at-exit %s: %s\n",
                    screendump, err);
    }

    choice.ops->destroy(choice.accel);
    pc_free(pc);
    machine_free(m);
    if (logf)
        fclose(logf);
    return status;
}
