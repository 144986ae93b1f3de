/* Character backends: where a serial port or debug console's bytes go, and
 * where their input comes from.  Backends: stdio (host terminal), file
 * (output only), null.  Named backends come from -chardev ...,id=ID; the
 * short forms of -serial/-debugcon ("stdio", "file:PATH", "null",
 * "chardev:ID") are opened through the same set.
 *
 * Output is written with write(2) as it comes, so a killed tandem has left
 * every byte the guest sent.  Input is buffered here and handed to the
 * device (the frontend) as fast as it says it can take it. */
#ifndef HW_CHARDEV_H
#define HW_CHARDEV_H

#include <stddef.h>
#include <stdint.h>

struct machine;
struct chardev;
struct chardev_set;

/* The device side of a backend. */
struct chardev_frontend {
    int (*can_receive)(void *opaque);   /* bytes it can take right now */
    void (*receive)(void *opaque, const uint8_t *buf, int len);
    void *opaque;
};

/* One set per machine: owns every chardev it opened. */
struct chardev_set *chardev_set_new(struct machine *m);
void chardev_set_free(struct chardev_set *s);

/* -chardev BACKEND,id=ID[,path=PATH][,signal=on|off]: BACKEND is stdio,
 * file (needs path) or null.  0, or -1 with a reason in err. */
int chardev_define(struct chardev_set *s, const char *opts, char *err,
                   size_t errlen);
/* A named chardev, or NULL. */
struct chardev *chardev_find(struct chardev_set *s, const char *id);
/* The short form used by -serial and -debugcon: stdio, mon:stdio (stdio
 * with host signals off, as -nographic uses), file:PATH, null, chardev:ID.
 * "none" is the caller's business (no device).  NULL with err on failure.
 * Every request for stdio gets the same backend. */
struct chardev *chardev_open(struct chardev_set *s, const char *spec,
                             char *err, size_t errlen);

/* Write bytes out now (short writes and EINTR retried); -1 on a host error
 * (the bytes are dropped, the guest never sees a failure). */
int chardev_write(struct chardev *c, const void *buf, size_t len);

/* Attach a device.  Input goes to the first frontend attached; a second
 * frontend on the same backend only writes. */
void chardev_set_frontend(struct chardev *c, const struct chardev_frontend *fe);
/* The frontend can take input again (e.g. the guest read RBR). */
void chardev_accept_input(struct chardev *c);

const char *chardev_id(const struct chardev *c);

#endif
