/* Multiboot (v1) kernels: see multiboot.h.  Field offsets are those of the
 * Multiboot Specification 0.6.96 (sections 3.1 and 3.3) and of the ELF32
 * header and program headers (System V ABI). */
#include "hw/multiboot.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/state.h"
#include "hw/fw_cfg.h"
#include "hw/linux_boot.h"
#include "hw/machine.h"

/* the information block: the struct, then tandem's own parts */
#define MBI_FLAGS 0
#define MBI_MEM_LOWER 4
#define MBI_MEM_UPPER 8
#define MBI_CMDLINE 16
#define MBI_MODS_COUNT 20
#define MBI_MODS_ADDR 24
#define MBI_MMAP_LENGTH 44
#define MBI_MMAP_ADDR 48
#define MBI_LOADER_NAME 64
#define MBI_SIZE 88
#define INFO_GDT 0x60           /* null, 0x08 flat code, 0x10 flat data */
#define INFO_MMAP 0x80
#define MMAP_ENTRY 24           /* size field + base, length, type */
#define INFO_MODS (INFO_MMAP + MULTIBOOT_MMAP_MAX * MMAP_ENTRY)
#define MOD_ENTRY 16            /* start, end, string, reserved */

#define ELF_PT_LOAD 1
#define ELF_EM_386 3
#define ELF_ET_EXEC 2
#define ELF_PHDR_SIZE 32

#define PAGE 4096u
#define LOW_RAM_END 0xa0000u    /* VGA memory and ROMs above, up to 1 MiB */
#define HIGH_RAM 0x100000u

struct mb_module {
    uint8_t *data;
    size_t size;
    uint32_t addr;
    char *string;               /* "FILE ARGS" */
};

struct multiboot {
    struct machine *m;
    uint32_t load_addr;         /* where blob goes */
    uint8_t *blob;              /* the kernel as loaded, then the modules */
    size_t blob_size;
    uint8_t *info;              /* the block at MULTIBOOT_INFO_ADDR */
    size_t info_size;
    uint32_t entry;
};

static uint32_t get16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t get32(const uint8_t *p)
{
    return get16(p) | get16(p + 2) << 16;
}
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

int multiboot_find_header(const uint8_t *image, size_t size,
                          struct multiboot_header *h, char *err,
                          size_t errlen)
{
    size_t end = size < MULTIBOOT_SEARCH ? size : MULTIBOOT_SEARCH;
    long bad = -1;

    for (size_t i = 0; i + 4 <= end; i += 4) {
        if (get32(image + i) != MULTIBOOT_HEADER_MAGIC)
            continue;
        if (i + 12 > size) {
            snprintf(err, errlen, "multiboot header at offset %#zx is "
                     "truncated (the file ends at %#zx)", i, size);
            return -1;
        }
        uint32_t flags = get32(image + i + 4);
        if ((uint32_t)(MULTIBOOT_HEADER_MAGIC + flags +
                       get32(image + i + 8)) != 0) {
            if (bad < 0)
                bad = (long)i;
            continue;           /* a stray magic; keep looking */
        }
        memset(h, 0, sizeof *h);
        h->offset = (uint32_t)i;
        h->flags = flags;
        uint32_t unknown = flags & 0xffffu &
                           ~(MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO |
                             MULTIBOOT_VIDEO_MODE);
        if (unknown) {
            snprintf(err, errlen, "multiboot header requires features "
                     "tandem does not know (flags %#x)", unknown);
            return -1;
        }
        if (flags & MULTIBOOT_AOUT_KLUDGE) {
            if (i + 32 > size) {
                snprintf(err, errlen, "multiboot header at offset %#zx is "
                         "truncated: its address fields (flag 16) pass the "
                         "end of the file", i);
                return -1;
            }
            h->header_addr = get32(image + i + 12);
            h->load_addr = get32(image + i + 16);
            h->load_end_addr = get32(image + i + 20);
            h->bss_end_addr = get32(image + i + 24);
            h->entry_addr = get32(image + i + 28);
        }
        return 1;
    }
    if (bad >= 0) {
        snprintf(err, errlen, "multiboot header at offset %#lx has a bad "
                 "checksum", bad);
        return -1;
    }
    return 0;
}

/* ---- the kernel image ---- */

struct segment {
    uint32_t paddr, offset, filesz, memsz;
};

struct image {
    struct segment *seg;
    int nseg;
    uint32_t lo, hi, entry;     /* [lo, hi): everything loaded */
};

static int load_aout(const struct multiboot_header *h, size_t size,
                     struct image *im, char *err, size_t errlen)
{
    if (h->header_addr < h->load_addr ||
        h->header_addr - h->load_addr > h->offset) {
        snprintf(err, errlen, "multiboot header_addr %#x and load_addr %#x "
                 "do not fit the header's offset %#x in the file",
                 h->header_addr, h->load_addr, h->offset);
        return -1;
    }
    uint32_t text = h->offset - (h->header_addr - h->load_addr);
    uint64_t load_size;
    if (h->load_end_addr) {
        if (h->load_end_addr < h->load_addr) {
            snprintf(err, errlen, "multiboot load_end_addr %#x is below "
                     "load_addr %#x", h->load_end_addr, h->load_addr);
            return -1;
        }
        load_size = h->load_end_addr - h->load_addr;
        if (text + load_size > size) {
            snprintf(err, errlen, "truncated: the multiboot header loads "
                     "%#llx bytes from offset %#x of a %#zx-byte file",
                     (unsigned long long)load_size, text, size);
            return -1;
        }
    } else {
        load_size = size - text;
    }
    uint64_t mem_size = load_size;
    if (h->bss_end_addr) {
        if (h->bss_end_addr < h->load_addr + load_size) {
            snprintf(err, errlen, "multiboot bss_end_addr %#x is below the "
                     "end of the loaded image %#llx", h->bss_end_addr,
                     (unsigned long long)(h->load_addr + load_size));
            return -1;
        }
        mem_size = h->bss_end_addr - h->load_addr;
    }
    if (h->load_addr + mem_size >= 0x100000000ull) {
        snprintf(err, errlen, "multiboot image passes 4 GiB");
        return -1;
    }
    im->seg = malloc(sizeof *im->seg);
    if (!im->seg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    im->seg[0] = (struct segment){ h->load_addr, text, (uint32_t)load_size,
                                   (uint32_t)mem_size };
    im->nseg = 1;
    im->lo = h->load_addr;
    im->hi = h->load_addr + (uint32_t)mem_size;
    im->entry = h->entry_addr;
    return 0;
}

static int load_elf(const uint8_t *k, size_t size, struct image *im,
                    char *err, size_t errlen)
{
    if (size < 52 || memcmp(k, "\177ELF", 4) != 0) {
        snprintf(err, errlen, "multiboot kernel is not ELF and its header "
                 "has no load addresses (flag 16)");
        return -1;
    }
    if (k[4] != 1) {
        snprintf(err, errlen, "%s ELF: multiboot (v1) kernels are 32-bit "
                 "ELF", k[4] == 2 ? "64-bit" : "unknown class of");
        return -1;
    }
    if (k[5] != 1 || get16(k + 18) != ELF_EM_386 ||
        get16(k + 16) != ELF_ET_EXEC) {
        snprintf(err, errlen, "not a little-endian i386 executable ELF "
                 "(data %u, machine %u, type %u)", k[5], get16(k + 18),
                 get16(k + 16));
        return -1;
    }
    uint32_t phoff = get32(k + 28), phentsize = get16(k + 42);
    uint32_t phnum = get16(k + 44);
    if (phentsize < ELF_PHDR_SIZE ||
        (uint64_t)phoff + (uint64_t)phnum * phentsize > size) {
        snprintf(err, errlen, "truncated ELF: %u program headers of %u bytes "
                 "at %#x in a %#zx-byte file", phnum, phentsize, phoff, size);
        return -1;
    }
    im->seg = calloc(phnum ? phnum : 1, sizeof *im->seg);
    if (!im->seg) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint32_t e_entry = get32(k + 24);
    bool entry_set = false;
    im->entry = e_entry;
    im->lo = UINT32_MAX;
    im->hi = 0;
    for (uint32_t i = 0; i < phnum; i++) {
        const uint8_t *ph = k + phoff + (size_t)i * phentsize;
        if (get32(ph) != ELF_PT_LOAD || get32(ph + 20) == 0)
            continue;
        struct segment s = { get32(ph + 12), get32(ph + 4), get32(ph + 16),
                             get32(ph + 20) };
        uint32_t vaddr = get32(ph + 8);
        if (s.filesz > s.memsz || (uint64_t)s.offset + s.filesz > size ||
            (uint64_t)s.paddr + s.memsz >= 0x100000000ull) {
            snprintf(err, errlen, "ELF program header %u is bad or "
                     "truncated (offset %#x, file size %#x, memory size %#x "
                     "at %#x; the file has %#zx bytes)", i, s.offset,
                     s.filesz, s.memsz, s.paddr, size);
            return -1;
        }
        /* e_entry is virtual; where a segment is linked away from where
         * it loads, the CPU starts at the physical address (as GRUB) */
        if (!entry_set && e_entry >= vaddr && e_entry - vaddr < s.memsz) {
            im->entry = e_entry - vaddr + s.paddr;
            entry_set = true;
        }
        im->seg[im->nseg++] = s;
        if (s.paddr < im->lo)
            im->lo = s.paddr;
        if (s.paddr + s.memsz > im->hi)
            im->hi = s.paddr + s.memsz;
    }
    if (!im->nseg) {
        snprintf(err, errlen, "ELF has nothing to load (no PT_LOAD "
                 "program header)");
        return -1;
    }
    return 0;
}

/* ---- modules ---- */

/* Split QEMU's list "FILE ARGS,FILE ARGS" (",," = a comma) into newly
 * allocated strings.  -1 + err on an empty item or no memory. */
static int split_modules(const char *list, struct mb_module **out, int *n,
                         char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    if (!list)
        return 0;
    size_t len = strlen(list);
    for (size_t i = 0; i <= len;) {
        char *s = malloc(len - i + 1);
        size_t o = 0;
        if (!s)
            goto nomem;
        while (i < len) {
            if (list[i] == ',' && list[i + 1] == ',') {
                s[o++] = ',';
                i += 2;
            } else if (list[i] == ',') {
                break;
            } else {
                s[o++] = list[i++];
            }
        }
        s[o] = '\0';
        i++;                    /* past the comma (or the end) */
        if (o == 0 || s[0] == ' ') {
            snprintf(err, errlen, "-initrd %s: module %d has no file name",
                     list, *n + 1);
            free(s);
            return -1;
        }
        struct mb_module *grown = realloc(*out, (size_t)(*n + 1) *
                                          sizeof **out);
        if (!grown) {
            free(s);
            goto nomem;
        }
        *out = grown;
        memset(&grown[*n], 0, sizeof grown[*n]);
        grown[(*n)++].string = s;
    }
    return 0;
nomem:
    snprintf(err, errlen, "-initrd: out of memory");
    return -1;
}

static void free_modules(struct mb_module *mods, int n)
{
    for (int i = 0; i < n; i++) {
        free(mods[i].data);
        free(mods[i].string);
    }
    free(mods);
}

static int read_module(struct mb_module *mod, char *err, size_t errlen)
{
    char *path = strdup(mod->string);
    if (!path) {
        snprintf(err, errlen, "-initrd: out of memory");
        return -1;
    }
    char *sp = strchr(path, ' ');
    if (sp)
        *sp = '\0';
    mod->data = linux_boot_read_file("-initrd", path, &mod->size, err,
                                     errlen);
    free(path);
    return mod->data ? 0 : -1;
}

/* ---- the information block ---- */

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int build_info(struct multiboot *mb, const char *kernel,
                      const char *cmdline, const struct mb_module *mods,
                      int nmods, char *err, size_t errlen)
{
    size_t klen = strlen(kernel) + 1 + (cmdline && *cmdline ?
                                        strlen(cmdline) + 1 : 0);
    size_t size = INFO_MODS + (size_t)nmods * MOD_ENTRY + klen +
                  sizeof MULTIBOOT_LOADER_NAME;
    for (int i = 0; i < nmods; i++)
        size += strlen(mods[i].string) + 1;
    if (size > MULTIBOOT_INFO_LIMIT - MULTIBOOT_INFO_ADDR) {
        snprintf(err, errlen, "-kernel: the command lines and module names "
                 "take %zu bytes; at most %u fit below 640 KiB", size,
                 MULTIBOOT_INFO_LIMIT - MULTIBOOT_INFO_ADDR - INFO_MODS);
        return -1;
    }
    uint8_t *p = calloc(1, size);
    if (!p) {
        snprintf(err, errlen, "-kernel: out of memory");
        return -1;
    }
    mb->info = p;
    mb->info_size = size;

    size_t str = INFO_MODS + (size_t)nmods * MOD_ENTRY;
    put32(p + MBI_CMDLINE, MULTIBOOT_INFO_ADDR + (uint32_t)str);
    str += (size_t)sprintf((char *)p + str, "%s%s%s", kernel,
                           cmdline && *cmdline ? " " : "",
                           cmdline ? cmdline : "") + 1;
    put32(p + MBI_MODS_COUNT, (uint32_t)nmods);
    put32(p + MBI_MODS_ADDR, MULTIBOOT_INFO_ADDR + INFO_MODS);
    for (int i = 0; i < nmods; i++) {
        uint8_t *e = p + INFO_MODS + (size_t)i * MOD_ENTRY;
        put32(e, mods[i].addr);
        put32(e + 4, mods[i].addr + (uint32_t)mods[i].size);
        put32(e + 8, MULTIBOOT_INFO_ADDR + (uint32_t)str);
        str += (size_t)sprintf((char *)p + str, "%s", mods[i].string) + 1;
    }
    put32(p + MBI_LOADER_NAME, MULTIBOOT_INFO_ADDR + (uint32_t)str);
    memcpy(p + str, MULTIBOOT_LOADER_NAME, sizeof MULTIBOOT_LOADER_NAME);

    /* memory: the map a direct boot gives (the boot ROM replaces it with
     * the BIOS's own) */
    struct boot_mem_range r[BOOT_MEM_RANGES_MAX];
    int n = linux_boot_memory_map(mb->m, r);
    uint32_t lower = 0, upper = 0;
    for (int i = 0; i < n && i < MULTIBOOT_MMAP_MAX; i++) {
        uint8_t *e = p + INFO_MMAP + (size_t)i * MMAP_ENTRY;
        put32(e, MMAP_ENTRY - 4);
        put64(e + 4, r[i].addr);
        put64(e + 12, r[i].size);
        put32(e + 20, r[i].type);
        if (r[i].type == E820_RAM && r[i].addr == 0)
            lower = (uint32_t)(r[i].size >> 10);
        if (r[i].type == E820_RAM && r[i].addr == HIGH_RAM)
            upper = (uint32_t)(r[i].size >> 10);
    }
    put32(p + MBI_MEM_LOWER, lower);
    put32(p + MBI_MEM_UPPER, upper);
    put32(p + MBI_MMAP_ADDR, MULTIBOOT_INFO_ADDR + INFO_MMAP);
    put32(p + MBI_MMAP_LENGTH, (uint32_t)(n < MULTIBOOT_MMAP_MAX ?
                                          n : MULTIBOOT_MMAP_MAX) *
                               MMAP_ENTRY);
    put32(p + MBI_FLAGS, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
                         MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MMAP |
                         MULTIBOOT_INFO_LOADER_NAME);

    static const uint8_t gdt[24] = {
        [8] = 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0,    /* 0x08: flat code */
        [16] = 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0,   /* 0x10: flat data */
    };
    memcpy(p + INFO_GDT, gdt, sizeof gdt);
    return 0;
}

/* ---- open ---- */

struct multiboot *multiboot_open(struct machine *m, const char *kernel,
                                 const uint8_t *image, size_t size,
                                 const char *modules, const char *cmdline,
                                 char *err, size_t errlen)
{
    char why[512];
    struct multiboot_header h;
    struct image im = { 0 };
    struct mb_module *mods = NULL;
    int nmods = 0;
    struct multiboot *mb = calloc(1, sizeof *mb);

    if (!mb) {
        snprintf(err, errlen, "-kernel: out of memory");
        return NULL;
    }
    mb->m = m;
    int rc = multiboot_find_header(image, size, &h, why, sizeof why);
    if (rc <= 0) {
        snprintf(err, errlen, "-kernel %s: %s", kernel,
                 rc < 0 ? why : "no multiboot header");
        goto fail;
    }
    rc = h.flags & MULTIBOOT_AOUT_KLUDGE ?
         load_aout(&h, size, &im, why, sizeof why) :
         load_elf(image, size, &im, why, sizeof why);
    if (rc) {
        snprintf(err, errlen, "-kernel %s: %s", kernel, why);
        goto fail;
    }
    if (im.entry < im.lo || im.entry >= im.hi) {
        snprintf(err, errlen, "-kernel %s: entry point %#x is outside the "
                 "loaded image %#x-%#x", kernel, im.entry, im.lo, im.hi - 1);
        goto fail;
    }

    /* modules: page-aligned after the kernel */
    if (split_modules(modules, &mods, &nmods, err, errlen))
        goto fail;
    uint64_t end = im.hi;
    for (int i = 0; i < nmods; i++) {
        if (read_module(&mods[i], err, errlen))
            goto fail;
        end = (end + PAGE - 1) & ~(uint64_t)(PAGE - 1);
        mods[i].addr = (uint32_t)end;
        end += mods[i].size;
        if (end > 0xffffffffull)
            break;              /* caught below */
    }

    if (build_info(mb, kernel, cmdline, mods, nmods, err, errlen))
        goto fail;

    uint64_t below = machine_ram_below_4g(m);
    uint64_t top = below > LINUX_TOP_RESERVE ? below - LINUX_TOP_RESERVE : 0;
    if (end > top) {
        snprintf(err, errlen, "-kernel %s: the kernel (%#x-%#x)%s need RAM "
                 "up to %llu MiB; -m gives %llu MiB below 4 GiB", kernel,
                 im.lo, im.hi - 1, nmods ? " and modules" : "",
                 (unsigned long long)((end + LINUX_TOP_RESERVE + 0xfffff) >>
                                      20),
                 (unsigned long long)(below >> 20));
        goto fail;
    }
    if (overlaps(im.lo, (uint64_t)im.hi - im.lo, 0,
                 MULTIBOOT_INFO_ADDR + mb->info_size) ||
        overlaps(im.lo, (uint64_t)im.hi - im.lo, LOW_RAM_END,
                 HIGH_RAM - LOW_RAM_END)) {
        snprintf(err, errlen, "-kernel %s: loads at %#x-%#x, over the "
                 "multiboot information at %#x-%#zx or the VGA/BIOS area "
                 "%#x-%#x", kernel, im.lo, im.hi - 1, MULTIBOOT_INFO_ADDR,
                 MULTIBOOT_INFO_ADDR + mb->info_size - 1, LOW_RAM_END,
                 HIGH_RAM - 1);
        goto fail;
    }

    /* one blob from the lowest load address to the last module's end:
     * the boot ROM copies it in one transfer */
    mb->load_addr = im.lo;
    mb->blob_size = (size_t)(end - im.lo);
    mb->blob = calloc(1, mb->blob_size ? mb->blob_size : 1);
    if (!mb->blob) {
        snprintf(err, errlen, "-kernel %s: out of memory (%zu bytes)",
                 kernel, mb->blob_size);
        goto fail;
    }
    for (int i = 0; i < im.nseg; i++)
        memcpy(mb->blob + (im.seg[i].paddr - im.lo), image + im.seg[i].offset,
               im.seg[i].filesz);
    for (int i = 0; i < nmods; i++)
        memcpy(mb->blob + (mods[i].addr - im.lo), mods[i].data, mods[i].size);
    mb->entry = im.entry;
    free(im.seg);
    free_modules(mods, nmods);
    return mb;

fail:
    free(im.seg);
    free_modules(mods, nmods);
    multiboot_free(mb);
    return NULL;
}

void multiboot_free(struct multiboot *mb)
{
    if (!mb)
        return;
    free(mb->blob);
    free(mb->info);
    free(mb);
}

int multiboot_direct(struct multiboot *mb, struct x86_state *st,
                     uint32_t cpuid_signature, char *err, size_t errlen)
{
    if (machine_mem_rw(mb->m, mb->load_addr, mb->blob, mb->blob_size,
                       true) != 0 ||
        machine_mem_rw(mb->m, MULTIBOOT_INFO_ADDR, mb->info, mb->info_size,
                       true) != 0) {
        snprintf(err, errlen, "-kernel: cannot place the multiboot kernel "
                 "at %#x (%zu bytes): not RAM", mb->load_addr,
                 mb->blob_size);
        return -1;
    }
    /* section 3.2: flat 32-bit segments, no paging, IF = 0; ESP is the
     * kernel's business, but a stack below the block costs nothing */
    linux_boot_flat_state(st, cpuid_signature, 0x08, 0x10,
                          MULTIBOOT_INFO_ADDR + INFO_GDT, 23);
    st->gpr[R_EAX] = MULTIBOOT_BOOTLOADER_MAGIC;
    st->gpr[R_EBX] = MULTIBOOT_INFO_ADDR;
    st->gpr[R_ESP] = MULTIBOOT_INFO_ADDR;
    st->rip = mb->entry;
    return 0;
}

int multiboot_fw_cfg(struct multiboot *mb, struct fw_cfg *f)
{
    int rc = 0;
    /* no setup: the ROM takes the multiboot path */
    rc |= fw_cfg_add_i32(f, FW_CFG_SETUP_ADDR, 0);
    rc |= fw_cfg_add_i32(f, FW_CFG_SETUP_SIZE, 0);
    rc |= fw_cfg_add_i32(f, FW_CFG_KERNEL_ENTRY, mb->entry);
    rc |= fw_cfg_add_i32(f, FW_CFG_KERNEL_ADDR, mb->load_addr);
    rc |= fw_cfg_add_i32(f, FW_CFG_KERNEL_SIZE, (uint32_t)mb->blob_size);
    rc |= fw_cfg_add_bytes(f, FW_CFG_KERNEL_DATA, mb->blob, mb->blob_size);
    rc |= fw_cfg_add_i32(f, FW_CFG_INITRD_ADDR, MULTIBOOT_INFO_ADDR);
    rc |= fw_cfg_add_i32(f, FW_CFG_INITRD_SIZE, (uint32_t)mb->info_size);
    rc |= fw_cfg_add_bytes(f, FW_CFG_INITRD_DATA, mb->info, mb->info_size);
    return rc ? -1 : 0;
}
