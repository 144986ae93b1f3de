/* Per-machine diagnostic log: parsing the -d list and writing log lines. */
#include "debug/log.h"

#include <string.h>

struct log_category {
    const char *name;
    unsigned mask;
    const char *help;
};

static const struct log_category log_categories[] = {
    { "exec",  LOG_EXEC,  "show every executed instruction" },
    { "cpu",   LOG_CPU,   "show the CPU registers with each instruction" },
    { "int",   LOG_INT,   "show interrupts and exceptions" },
    { "unimp", LOG_UNIMP, "log unimplemented opcodes, ports and registers" },
    { "guest_errors", LOG_GUEST_ERRORS,
      "log a guest misprogramming a device" },
    { "post", LOG_POST, "POST codes the firmware writes to port 0x80" },
};

#define NR_CATEGORIES (sizeof log_categories / sizeof log_categories[0])

int log_parse_mask(const char *s, unsigned *mask, char *err, size_t errlen)
{
    unsigned m = 0;
    const char *p = s;

    if (!s || !*s) {
        snprintf(err, errlen, "empty log category list");
        return -1;
    }
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        size_t i;

        for (i = 0; i < NR_CATEGORIES; i++) {
            if (strlen(log_categories[i].name) == len &&
                !strncmp(log_categories[i].name, p, len))
                break;
        }
        if (i == NR_CATEGORIES) {
            snprintf(err, errlen, "unknown log category '%.*s' (try -d help)",
                     (int)len, p);
            return -1;
        }
        m |= log_categories[i].mask;
        if (!end)
            break;
        p = end + 1;
    }
    *mask = m;
    return 0;
}

void log_print_help(FILE *f)
{
    fprintf(f, "Log categories for -d (comma-separated):\n");
    for (size_t i = 0; i < NR_CATEGORIES; i++)
        fprintf(f, "  %-13s %s\n", log_categories[i].name,
                log_categories[i].help);
}

void log_printf(const struct logger *l, const char *fmt, ...)
{
    va_list ap;

    if (!l)
        return;
    va_start(ap, fmt);
    vfprintf(l->f ? l->f : stderr, fmt, ap);
    va_end(ap);
}
