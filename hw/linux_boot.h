/* -kernel/-initrd/-append: loading a Linux bzImage as the x86 boot protocol
 * (Documentation/arch/x86/boot.rst in Linux) describes, in two ways:
 *
 *  - direct (-bios none): the protected-mode kernel at 1 MiB, the initrd
 *    high in RAM, a zero page (struct boot_params) with the setup header,
 *    the e820 map and the command line, and a CPU state at the 32-bit entry
 *    point (flat segments 0x10/0x18, ESI = zero page).  No firmware runs.
 *  - through the BIOS: the same pieces become fw_cfg items (setup, kernel,
 *    initrd, command line, and the addresses to put them at), which our
 *    linux-boot option ROM (firmware/linuxboot.asm) copies into place
 *    before it jumps to the kernel's real-mode setup code, as QEMU's does.
 *
 * Images are read once and kept, so that a reset of a direct boot can put
 * a fresh copy of the kernel back (the guest overwrote the old one). */
#ifndef HW_LINUX_BOOT_H
#define HW_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct fw_cfg;
struct x86_state;
struct linux_boot;

/* Where the pieces go (the layout QEMU's pc loader uses for protocol
 * 2.02+ kernels: setup at 0x90000, command line after its heap). */
#define LINUX_SETUP_ADDR 0x90000u
#define LINUX_CMDLINE_ADDR 0x9a000u   /* up to the EBDA at 0x9fc00 */
#define LINUX_CMDLINE_MAX (0x9fc00u - LINUX_CMDLINE_ADDR - 1)
#define LINUX_KERNEL_ADDR 0x100000u
/* direct boot only: the zero page and the GDT of the 32-bit entry */
#define LINUX_ZERO_PAGE_ADDR 0x7000u
#define LINUX_GDT_ADDR 0x6000u
/* Room left at the top of RAM below 4 GiB for SeaBIOS's tables when
 * placing an initrd or multiboot modules (QEMU leaves 128 KiB for ACPI). */
#define LINUX_TOP_RESERVE (128u << 10)

/* The boot ROM (firmware/linuxboot.asm, built into build/firmware/) and
 * the fw_cfg file SeaBIOS runs it from. */
#define LINUX_BOOT_ROM "linuxboot.bin"
#define LINUX_BOOT_ROM_FILE "genroms/" LINUX_BOOT_ROM

/* Read and check the kernel (and initrd) against the machine's RAM.
 * cmdline may be NULL (empty).  NULL with one line in err ("-kernel F:
 * why") on a missing, truncated or unsupported image.  A kernel without a
 * Linux setup header but with a multiboot header is a multiboot kernel
 * (hw/multiboot.h; initrd is then its module list), which the calls below
 * boot the same two ways. */
struct linux_boot *linux_boot_open(struct machine *m, const char *kernel,
                                   const char *initrd, const char *cmdline,
                                   char *err, size_t errlen);
void linux_boot_free(struct linux_boot *lb);

/* Direct boot: write the pieces and the zero page into RAM and fill `st`
 * with the 32-bit entry state (st is reset first).  Call again on a
 * machine reset.  -1 + err if RAM cannot take them. */
int linux_boot_direct(struct linux_boot *lb, struct x86_state *st,
                      uint32_t cpuid_signature, char *err, size_t errlen);

/* Through the BIOS: the fw_cfg items for the boot ROM, the ROM itself
 * as LINUX_BOOT_ROM_FILE (found by linux_boot_find_rom) and a "bootorder"
 * naming it first (kept in front of what the file held).  -1 + err
 * ("-kernel: ...") when the ROM cannot be found or read, or no memory. */
int linux_boot_fw_cfg(struct linux_boot *lb, struct fw_cfg *f,
                      const char *const *fw_dirs, int nr_fw_dirs,
                      char *err, size_t errlen);

/* Find the boot ROM: build/firmware/ beside the running binary (a build
 * tree), ../share/tandem/ beside it and TANDEM_FIRMWARE_DIR (an install),
 * then the -L directories.  Not in PC_FIRMWARE_DIRS: /usr/share/qemu has
 * a QEMU ROM of the same name that takes other fw_cfg items.  0 and the
 * path in out, or -1. */
int linux_boot_find_rom(const char *const *fw_dirs, int nr_fw_dirs,
                        char *out, size_t outlen);

/* One range of the memory map a kernel booted directly is given. */
struct boot_mem_range {
    uint64_t addr, size;
    uint32_t type;              /* E820_RAM, E820_RESERVED (fw_cfg.h) */
};
#define BOOT_MEM_RANGES_MAX 8

/* The map a BIOS would report for m: low RAM up to the EBDA, the EBDA and
 * the BIOS area reserved, RAM from 1 MiB to the PCI hole and above 4 GiB.
 * The Linux zero page's e820 table and the multiboot memory map.  Returns
 * the number of ranges (empty ones left out). */
int linux_boot_memory_map(struct machine *m,
                          struct boot_mem_range r[BOOT_MEM_RANGES_MAX]);

/* Reset st, then 32-bit flat protected mode: code selector cs and data
 * selector ds (base 0, limit 4 GiB) in the GDT at gdt_base, paging off,
 * IF = 0: the entry state of the Linux 32-bit and multiboot protocols. */
void linux_boot_flat_state(struct x86_state *st, uint32_t cpuid_signature,
                           uint16_t cs, uint16_t ds, uint32_t gdt_base,
                           uint16_t gdt_limit);

/* Read a whole file for option `opt` (-kernel, -initrd); NULL + err. */
uint8_t *linux_boot_read_file(const char *opt, const char *path,
                              size_t *size, char *err, size_t errlen);

#endif
