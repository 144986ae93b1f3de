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

/* Read and check the kernel (and initrd) against the machine's RAM.
 * cmdline may be NULL (empty).  NULL with one line in err ("-kernel F:
 * why") on a missing, truncated or unsupported image. */
struct linux_boot *linux_boot_open(struct machine *m, const char *kernel,
                                   const char *initrd, const char *cmdline,
                                   char *err, size_t errlen);
void linux_boot_free(struct linux_boot *lb);

/* Direct boot: write the pieces and the zero page into RAM and fill `st`
 * with the 32-bit entry state (st is reset first).  Call again on a
 * machine reset.  -1 + err if RAM cannot take them. */
int linux_boot_direct(struct linux_boot *lb, struct x86_state *st,
                      uint32_t cpuid_signature, char *err, size_t errlen);

/* Through the BIOS: the fw_cfg items for the option ROM.  -1 on no
 * memory. */
int linux_boot_fw_cfg(struct linux_boot *lb, struct fw_cfg *f);

#endif
