/* QEMU's firmware configuration interface (docs/specs/fw_cfg.rst in QEMU),
 * as SeaBIOS and the Linux boot ROMs read it on a PC:
 *   0x510  selector (16-bit write; resets the data offset)
 *   0x511  data (byte reads walk the selected item; 0 past its end)
 *   0x514  DMA address, big-endian: a 32-bit write to 0x518 (the low half)
 *          starts a transfer described by a FWCfgDmaAccess in guest RAM;
 *          reading 0x514-0x51b gives the signature "QEMU CFG"
 * Items are keyed by selector; "files" (keys from 0x20) are also listed by
 * name in the directory at key 0x19.  Writes go through DMA only, and only
 * to items added writable. */
#ifndef HW_FW_CFG_H
#define HW_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct fw_cfg;

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514

/* Selector keys */
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_ID 0x01
#define FW_CFG_UUID 0x02
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NOGRAPHIC 0x04
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MACHINE_ID 0x06
#define FW_CFG_KERNEL_ADDR 0x07
#define FW_CFG_KERNEL_SIZE 0x08
#define FW_CFG_KERNEL_CMDLINE 0x09
#define FW_CFG_INITRD_ADDR 0x0a
#define FW_CFG_INITRD_SIZE 0x0b
#define FW_CFG_BOOT_DEVICE 0x0c
#define FW_CFG_NUMA 0x0d
#define FW_CFG_BOOT_MENU 0x0e
#define FW_CFG_MAX_CPUS 0x0f
#define FW_CFG_KERNEL_ENTRY 0x10
#define FW_CFG_KERNEL_DATA 0x11
#define FW_CFG_INITRD_DATA 0x12
#define FW_CFG_CMDLINE_ADDR 0x13
#define FW_CFG_CMDLINE_SIZE 0x14
#define FW_CFG_CMDLINE_DATA 0x15
#define FW_CFG_SETUP_ADDR 0x16
#define FW_CFG_SETUP_SIZE 0x17
#define FW_CFG_SETUP_DATA 0x18
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_FIRST 0x20
#define FW_CFG_ARCH_LOCAL 0x8000
#define FW_CFG_ACPI_TABLES (FW_CFG_ARCH_LOCAL + 0)
#define FW_CFG_SMBIOS_ENTRIES (FW_CFG_ARCH_LOCAL + 1)
#define FW_CFG_IRQ0_OVERRIDE (FW_CFG_ARCH_LOCAL + 2)
#define FW_CFG_E820_TABLE (FW_CFG_ARCH_LOCAL + 3)

#define FW_CFG_MAX_FILES 64
#define FW_CFG_FILE_NAME_MAX 56   /* with the terminating NUL */

/* The DMA control bits */
#define FW_CFG_DMA_ERROR 0x01
#define FW_CFG_DMA_READ 0x02
#define FW_CFG_DMA_SKIP 0x04
#define FW_CFG_DMA_SELECT 0x08
#define FW_CFG_DMA_WRITE 0x10

/* e820 entry types, as in the "etc/e820" file */
#define E820_RAM 1
#define E820_RESERVED 2

/* Claims the ports; the signature and ID items exist from the start.
 * NULL + err on failure. */
struct fw_cfg *fw_cfg_new(struct machine *m, char *err, size_t errlen);
void fw_cfg_free(struct fw_cfg *f);

/* Set (or replace) item `key` with a copy of `len` bytes.  -1 on a bad key
 * (FILE_DIR, or a file key) or no memory. */
int fw_cfg_add_bytes(struct fw_cfg *f, uint16_t key, const void *data,
                     size_t len);
int fw_cfg_add_i16(struct fw_cfg *f, uint16_t key, uint16_t v);   /* LE */
int fw_cfg_add_i32(struct fw_cfg *f, uint16_t key, uint32_t v);
int fw_cfg_add_i64(struct fw_cfg *f, uint16_t key, uint64_t v);
int fw_cfg_add_string(struct fw_cfg *f, uint16_t key, const char *s);

/* Add (or replace) the file `name` with a copy of the data; the directory
 * stays sorted by name, as QEMU keeps it.  Writable files accept DMA
 * writes within their size.  Returns the file's selector key, or -1. */
int fw_cfg_add_file(struct fw_cfg *f, const char *name, const void *data,
                    size_t len, bool writable);
/* The current contents of a file (after guest DMA writes), or NULL. */
const uint8_t *fw_cfg_file_data(struct fw_cfg *f, const char *name,
                                size_t *len);

/* One e820 entry of the "etc/e820" file; call fw_cfg_add_e820 for each,
 * in order.  -1 when the table is full. */
int fw_cfg_add_e820(struct fw_cfg *f, uint64_t addr, uint64_t len,
                    uint32_t type);

#endif
