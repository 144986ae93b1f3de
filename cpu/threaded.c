/* Threaded dispatch: the table from a handler to its threaded twin (see
 * thread_next in cpu/interp.h).  Looked up once per decoded instruction,
 * so it is a small open-addressed hash built on first use. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/exec.h"

#define TWIN_HASH_SIZE 512   /* a power of two, over twice the twins */

static struct insn_twin twin_hash[TWIN_HASH_SIZE];

static unsigned twin_slot(insn_fn fn)
{
    uintptr_t k = (uintptr_t)fn;
    return (unsigned)((k >> 4) ^ (k >> 13)) & (TWIN_HASH_SIZE - 1);
}

static void twin_hash_build(void)
{
    static const struct insn_twin *const tables[] = {
        arith_twins, data_twins, shift_twins, branch_twins,
    };
    unsigned n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
        for (const struct insn_twin *e = tables[t]; e->fn; e++) {
            if (++n > TWIN_HASH_SIZE / 2) {
                fprintf(stderr, "tandem: more threaded twins than "
                        "TWIN_HASH_SIZE allows (cpu/threaded.c)\n");
                abort();
            }
            unsigned k = twin_slot(e->fn);
            while (twin_hash[k].fn && twin_hash[k].fn != e->fn)
                k = (k + 1) & (TWIN_HASH_SIZE - 1);
            twin_hash[k] = *e;
        }
}

insn_fn threaded_form(insn_fn fn)
{
    static pthread_once_t built = PTHREAD_ONCE_INIT;
    pthread_once(&built, twin_hash_build);
    for (unsigned k = twin_slot(fn); twin_hash[k].fn;
         k = (k + 1) & (TWIN_HASH_SIZE - 1))
        if (twin_hash[k].fn == fn)
            return twin_hash[k].threaded;
    return fn;
}
