/* Per-machine diagnostic log: the -d categories and the -D file.
 * Never global: each machine (and each library CPU) carries its own. */
#ifndef DEBUG_LOG_H
#define DEBUG_LOG_H

#include <stdarg.h>
#include <stdio.h>

enum {
    LOG_EXEC  = 1u << 0,   /* every executed instruction */
    LOG_CPU   = 1u << 1,   /* register state with each instruction */
    LOG_INT   = 1u << 2,   /* interrupts and exceptions */
    LOG_UNIMP = 1u << 3,   /* unimplemented opcodes, ports, registers */
    LOG_GUEST_ERRORS = 1u << 4, /* guest misprogramming a device */
    LOG_POST  = 1u << 5,   /* POST codes written to port 0x80 */
};

struct logger {
    FILE *f;               /* NULL means stderr */
    unsigned mask;
};

/* Parse "exec,cpu,int,unimp" (or "help") into a mask; returns -1 and names
 * the bad item in err on failure. */
int log_parse_mask(const char *s, unsigned *mask, char *err, size_t errlen);
/* "help" text listing the categories */
void log_print_help(FILE *f);

static inline int log_enabled(const struct logger *l, unsigned what)
{
    return l && (l->mask & what);
}

void log_printf(const struct logger *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
