/* The x87 FPU's entry points outside its own opcode space (D8-DF is
 * decoded by fpu_decode, declared in cpu/decoder.h). */
#ifndef CPU_FPU_H
#define CPU_FPU_H

struct cpu;
struct insn;

/* WAIT/FWAIT (9B): #NM when CR0.MP and CR0.TS are both set; then a pending
 * unmasked x87 exception is delivered: #MF with CR0.NE=1, the legacy FERR
 * path with NE=0.  The decoder's handler for opcode 9B. */
void fpu_fwait(struct cpu *c, const struct insn *i);

#endif
