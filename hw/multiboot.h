/* -kernel of a multiboot (v1) kernel: the Multiboot Specification 0.6.96.
 *
 * linux_boot_open() hands a kernel here when it has no Linux setup header
 * ("HdrS" at 0x202; a bzImage that also carries a multiboot header boots
 * as Linux, as in QEMU) and a multiboot header is found.  The image is
 * loaded by its ELF32 program headers (physical addresses), or by the
 * header's address fields when flag 16 (the "a.out kludge") is set.
 * -initrd "FILE ARGS,FILE ARGS" gives the modules (",," is a comma in a
 * name, as in QEMU), each page-aligned after the kernel, with the whole
 * "FILE ARGS" as its string; the kernel's command line is "KERNEL APPEND"
 * (the file name first, as QEMU and GRUB pass it).
 *
 * Two ways to boot it, as for Linux:
 *  - direct (-bios none): the image and the information block are put in
 *    RAM and the CPU starts at the entry in 32-bit flat protected mode
 *    (section 3.2): EAX = 0x2BADB002, EBX = the block, CS = 0x08 and the
 *    data segments 0x10 from a GDT inside the block, paging off, IF = 0.
 *  - through the BIOS: fw_cfg items for tandem's boot ROM
 *    (firmware/linuxboot.asm), which copies them into place, fills the
 *    memory map from INT 15h E820 and enters the kernel the same way.
 *    FW_CFG_SETUP_SIZE = 0 tells the ROM it is a multiboot kernel. */
#ifndef HW_MULTIBOOT_H
#define HW_MULTIBOOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct fw_cfg;
struct x86_state;
struct multiboot;

#define MULTIBOOT_HEADER_MAGIC 0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u
#define MULTIBOOT_SEARCH 8192   /* the header lies within the first 8 KiB */

/* Header flags.  Bits 0-15 are requirements a loader must meet or refuse
 * the kernel; tandem meets 0 and 1, and accepts 2 (video mode) without
 * giving video information, as QEMU does. */
#define MULTIBOOT_PAGE_ALIGN 0x00000001u
#define MULTIBOOT_MEMORY_INFO 0x00000002u
#define MULTIBOOT_VIDEO_MODE 0x00000004u
#define MULTIBOOT_AOUT_KLUDGE 0x00010000u

/* Information block flags tandem sets. */
#define MULTIBOOT_INFO_MEMORY 0x001u
#define MULTIBOOT_INFO_CMDLINE 0x004u
#define MULTIBOOT_INFO_MODS 0x008u
#define MULTIBOOT_INFO_MMAP 0x040u
#define MULTIBOOT_INFO_LOADER_NAME 0x200u

/* The information block (struct, GDT, memory map room, module list,
 * strings) lives in low RAM, where the boot ROM can fill the memory map in
 * real mode; it must end below the EBDA. */
#define MULTIBOOT_INFO_ADDR 0x9000u
#define MULTIBOOT_INFO_LIMIT 0x9fc00u
#define MULTIBOOT_MMAP_MAX 32   /* entries; firmware/linuxboot.asm agrees */
#define MULTIBOOT_LOADER_NAME "tandem"

struct multiboot_header {
    uint32_t offset;            /* of the magic, in the file */
    uint32_t flags;
    /* with MULTIBOOT_AOUT_KLUDGE only: */
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
    uint32_t entry_addr;
};

/* Look for the header in the first MULTIBOOT_SEARCH bytes (32-bit
 * aligned, magic + flags + checksum = 0).  1: found, *h filled; 0: no
 * magic at all; -1: one found but unusable (bad checksum, truncated,
 * requirements tandem cannot meet), reason in err. */
int multiboot_find_header(const uint8_t *image, size_t size,
                          struct multiboot_header *h, char *err,
                          size_t errlen);

/* Prepare the kernel in `image` (the file `kernel`, already read; not
 * kept), its modules and command line for machine m.  NULL + one line in
 * err ("-kernel F: why", "-initrd F: why") on a malformed image, a
 * missing module or not enough RAM. */
struct multiboot *multiboot_open(struct machine *m, const char *kernel,
                                 const uint8_t *image, size_t size,
                                 const char *modules, const char *cmdline,
                                 char *err, size_t errlen);
void multiboot_free(struct multiboot *mb);

/* Direct boot: write everything into RAM and fill `st` with the entry
 * state (reset first).  Call again on a machine reset.  -1 + err. */
int multiboot_direct(struct multiboot *mb, struct x86_state *st,
                     uint32_t cpuid_signature, char *err, size_t errlen);

/* Through the BIOS: the fw_cfg items for the boot ROM.  -1 on no
 * memory. */
int multiboot_fw_cfg(struct multiboot *mb, struct fw_cfg *f);

#endif
