/* Character backends: stdio, file, null.  See chardev.h. */
#include "hw/chardev.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hw/machine.h"

enum chr_kind { CHR_NULL, CHR_FILE, CHR_STDIO };

#define CHR_INBUF 4096
#define CTRL_A 0x01
#define CHR_ID_LEN 64

struct chardev {
    struct chardev_set *set;
    struct chardev *next;
    char id[CHR_ID_LEN];
    enum chr_kind kind;
    int out_fd;               /* -1: output dropped */
    bool tty;                 /* stdin is a terminal: raw mode, escapes */
    bool escape;              /* Ctrl-A seen, waiting for the command key */
    bool input_eof;
    bool has_fe;
    struct chardev_frontend fe;
    uint8_t in[CHR_INBUF];    /* ring of input not yet taken by the device */
    size_t in_head, in_len;
};

struct chardev_set {
    struct machine *m;
    struct chardev *list;
    struct chardev *stdio;    /* the one stdio backend, shared */
    bool raw_applied;
};

/* ---- host terminal ----
 * The terminal is a process-wide resource (one stdin), so the saved
 * settings are process-wide too: the only file-static state here, needed
 * by the atexit and signal handlers that restore the terminal. */
static struct termios tty_saved;
static volatile sig_atomic_t tty_is_saved;

static void tty_restore(void)
{
    if (tty_is_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &tty_saved);
}

static void tty_signal(int sig)
{
    tty_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void tty_catch(int sig)
{
    struct sigaction old;
    if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = tty_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, NULL);
    }
}

/* Raw-ish mode as QEMU's stdio backend sets it: no echo, no line editing,
 * no CR/LF translation on input, output post-processing kept.  `signals`
 * keeps Ctrl-C/Ctrl-Z for the host (plain -serial stdio); -nographic turns
 * them off so they reach the guest. */
static void tty_make_raw(bool signals)
{
    struct termios t;
    if (!tty_is_saved) {
        if (tcgetattr(STDIN_FILENO, &tty_saved) != 0)
            return;
        tty_is_saved = 1;
        atexit(tty_restore);
        tty_catch(SIGTERM);
        tty_catch(SIGHUP);
        tty_catch(SIGINT);
        tty_catch(SIGQUIT);
    }
    t = tty_saved;
    t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL |
                   IXON);
    t.c_oflag |= OPOST;
    t.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    if (!signals)
        t.c_lflag &= ~ISIG;
    t.c_cflag &= ~(CSIZE | PARENB);
    t.c_cflag |= CS8;
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &t);
}

/* ---- output ---- */

static int write_all(int fd, const uint8_t *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* someone made the fd non-blocking: wait for room */
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            poll(&pfd, 1, 1000);
        } else {
            return -1;
        }
    }
    return 0;
}

int chardev_write(struct chardev *c, const void *buf, size_t len)
{
    if (!c || c->out_fd < 0)
        return 0;
    return write_all(c->out_fd, buf, len);
}

/* ---- input ---- */

static void deliver(struct chardev *c)
{
    while (c->in_len > 0 && c->has_fe) {
        int can = c->fe.can_receive ? c->fe.can_receive(c->fe.opaque) : 0;
        if (can <= 0)
            break;
        size_t n = CHR_INBUF - c->in_head;   /* contiguous part of the ring */
        if (n > c->in_len)
            n = c->in_len;
        if (n > (size_t)can)
            n = (size_t)can;
        c->fe.receive(c->fe.opaque, c->in + c->in_head, (int)n);
        c->in_head = (c->in_head + n) % CHR_INBUF;
        c->in_len -= n;
    }
}

static void queue_byte(struct chardev *c, uint8_t b)
{
    if (!c->has_fe || c->in_len == CHR_INBUF)
        return;   /* nobody listening, or overrun: dropped as a UART would */
    c->in[(c->in_head + c->in_len) % CHR_INBUF] = b;
    c->in_len++;
}

static void print_help(struct chardev *c)
{
    static const char help[] =
        "\n"   /* the terminal keeps OPOST: \n becomes \r\n */
        "C-a h    print this help\n"
        "C-a x    exit emulator\n"
        "C-a C-a  sends C-a\n";
    write_all(c->out_fd >= 0 ? c->out_fd : STDOUT_FILENO,
              (const uint8_t *)help, sizeof help - 1);
}

/* QEMU's terminal escapes: Ctrl-A then a command key. */
static void input_byte(struct chardev *c, uint8_t b)
{
    if (!c->tty) {
        queue_byte(c, b);
        return;
    }
    if (c->escape) {
        c->escape = false;
        switch (b) {
        case CTRL_A:
            queue_byte(c, b);
            break;
        case 'h':
        case '?':
            print_help(c);
            break;
        case 'x': {
            static const char msg[] = "tandem: terminated\n";
            write_all(STDERR_FILENO, (const uint8_t *)msg, sizeof msg - 1);
            machine_request(c->set->m, REQ_EXIT, 0);
            machine_kick(c->set->m);
            break;
        }
        default:
            break;   /* unknown command keys are dropped, as QEMU does */
        }
        return;
    }
    if (b == CTRL_A)
        c->escape = true;
    else
        queue_byte(c, b);
}

static void stdin_readable(void *opaque)
{
    struct chardev *c = opaque;
    uint8_t buf[256];
    if (c->input_eof)
        return;
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        /* end of input: the machine retires the fd (it sees EOF too) */
        c->input_eof = true;
        return;
    }
    for (ssize_t i = 0; i < n; i++)
        input_byte(c, buf[i]);
    deliver(c);
}

void chardev_set_frontend(struct chardev *c, const struct chardev_frontend *fe)
{
    if (!c || c->has_fe || !fe)
        return;
    c->fe = *fe;
    c->has_fe = true;
}

void chardev_accept_input(struct chardev *c)
{
    if (c)
        deliver(c);
}

const char *chardev_id(const struct chardev *c)
{
    return c ? c->id : "";
}

/* ---- the set ---- */

struct chardev_set *chardev_set_new(struct machine *m)
{
    struct chardev_set *s = calloc(1, sizeof *s);
    if (s)
        s->m = m;
    return s;
}

void chardev_set_free(struct chardev_set *s)
{
    if (!s)
        return;
    struct chardev *c = s->list;
    while (c) {
        struct chardev *next = c->next;
        if (c->kind == CHR_FILE && c->out_fd >= 0)
            close(c->out_fd);
        free(c);
        c = next;
    }
    if (s->raw_applied)
        tty_restore();
    free(s);
}

static struct chardev *chr_alloc(struct chardev_set *s, enum chr_kind kind,
                                 const char *id)
{
    struct chardev *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->set = s;
    c->kind = kind;
    c->out_fd = -1;
    snprintf(c->id, sizeof c->id, "%s", id ? id : "");
    c->next = s->list;
    s->list = c;
    return c;
}

static struct chardev *open_file(struct chardev_set *s, const char *path,
                                 const char *id, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open '%s': %s", path, strerror(errno));
        return NULL;
    }
    struct chardev *c = chr_alloc(s, CHR_FILE, id);
    if (!c) {
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->out_fd = fd;
    return c;
}

static struct chardev *open_stdio(struct chardev_set *s, const char *id,
                                  bool signals)
{
    struct chardev *c = s->stdio;
    if (!c) {
        c = chr_alloc(s, CHR_STDIO, id);
        if (!c)
            return NULL;
        c->out_fd = STDOUT_FILENO;
        s->stdio = c;
        if (fcntl(STDIN_FILENO, F_GETFD) != -1) {
            c->tty = isatty(STDIN_FILENO);
            machine_add_poll(s->m, STDIN_FILENO, stdin_readable, c);
        }
    }
    /* mon:stdio (signals off) wins over a plain stdio user */
    if (c->tty && (!s->raw_applied || !signals)) {
        tty_make_raw(signals);
        s->raw_applied = true;
    }
    return c;
}

struct chardev *chardev_find(struct chardev_set *s, const char *id)
{
    if (!s || !id || !*id)
        return NULL;
    for (struct chardev *c = s->list; c; c = c->next)
        if (strcmp(c->id, id) == 0)
            return c;
    return NULL;
}

struct chardev *chardev_open(struct chardev_set *s, const char *spec,
                             char *err, size_t errlen)
{
    struct chardev *c;
    if (strcmp(spec, "stdio") == 0 || strcmp(spec, "mon:stdio") == 0) {
        c = open_stdio(s, NULL, spec[0] != 'm');
        if (!c)
            snprintf(err, errlen, "out of memory");
        return c;
    }
    if (strcmp(spec, "null") == 0) {
        c = chr_alloc(s, CHR_NULL, NULL);
        if (!c)
            snprintf(err, errlen, "out of memory");
        return c;
    }
    if (strncmp(spec, "file:", 5) == 0) {
        if (!spec[5]) {
            snprintf(err, errlen, "'file:' needs a path");
            return NULL;
        }
        return open_file(s, spec + 5, NULL, err, errlen);
    }
    if (strncmp(spec, "chardev:", 8) == 0) {
        c = chardev_find(s, spec + 8);
        if (!c)
            snprintf(err, errlen, "no chardev with id '%s' (define it with "
                     "-chardev ...,id=%s)", spec + 8, spec + 8);
        return c;
    }
    snprintf(err, errlen, "unsupported character device '%s' (use stdio, "
             "file:PATH, null, none or chardev:ID)", spec);
    return NULL;
}

/* Split "a,b=c,d=e" in place; returns the next item or NULL. */
static char *next_item(char **p)
{
    char *s = *p;
    if (!s)
        return NULL;
    char *comma = strchr(s, ',');
    if (comma) {
        *comma = '\0';
        *p = comma + 1;
    } else {
        *p = NULL;
    }
    return s;
}

int chardev_define(struct chardev_set *s, const char *opts, char *err,
                   size_t errlen)
{
    char buf[1024];
    if (strlen(opts) >= sizeof buf) {
        snprintf(err, errlen, "-chardev: option string too long");
        return -1;
    }
    strcpy(buf, opts);
    char *p = buf;
    const char *backend = next_item(&p);
    const char *id = NULL, *path = NULL;
    bool signals = true;
    char *item;
    while ((item = next_item(&p))) {
        char *eq = strchr(item, '=');
        if (!eq) {
            snprintf(err, errlen, "-chardev %s: '%s' is not key=value",
                     opts, item);
            return -1;
        }
        *eq = '\0';
        const char *val = eq + 1;
        if (strcmp(item, "id") == 0) {
            id = val;
        } else if (strcmp(item, "path") == 0) {
            path = val;
        } else if (strcmp(item, "signal") == 0) {
            if (strcmp(val, "on") == 0)
                signals = true;
            else if (strcmp(val, "off") == 0)
                signals = false;
            else {
                snprintf(err, errlen, "-chardev %s: signal must be on or off",
                         opts);
                return -1;
            }
        } else if (strcmp(item, "mux") == 0 && strcmp(val, "off") == 0) {
            /* the default */
        } else {
            snprintf(err, errlen, "-chardev %s: unsupported option '%s'",
                     opts, item);
            return -1;
        }
    }
    if (!backend || !*backend) {
        snprintf(err, errlen, "-chardev: missing backend (stdio, file, null)");
        return -1;
    }
    if (!id || !*id) {
        snprintf(err, errlen, "-chardev %s: 'id' is required", opts);
        return -1;
    }
    if (strlen(id) >= CHR_ID_LEN) {
        snprintf(err, errlen, "-chardev %s: id too long", opts);
        return -1;
    }
    if (chardev_find(s, id)) {
        snprintf(err, errlen, "-chardev %s: duplicate id '%s'", opts, id);
        return -1;
    }
    if (path && strcmp(backend, "file") != 0) {
        snprintf(err, errlen, "-chardev %s: 'path' only applies to file",
                 opts);
        return -1;
    }
    struct chardev *c;
    char why[512];
    if (strcmp(backend, "stdio") == 0) {
        if (s->stdio && s->stdio->id[0]) {
            snprintf(err, errlen, "-chardev %s: stdio is already chardev '%s'",
                     opts, s->stdio->id);
            return -1;
        }
        c = open_stdio(s, id, signals);
        if (c && !c->id[0])
            snprintf(c->id, sizeof c->id, "%s", id);
    } else if (strcmp(backend, "file") == 0) {
        if (!path || !*path) {
            snprintf(err, errlen, "-chardev %s: file needs path=PATH", opts);
            return -1;
        }
        c = open_file(s, path, id, why, sizeof why);
        if (!c) {
            snprintf(err, errlen, "-chardev %s: %s", opts, why);
            return -1;
        }
    } else if (strcmp(backend, "null") == 0) {
        c = chr_alloc(s, CHR_NULL, id);
    } else {
        snprintf(err, errlen, "-chardev %s: unsupported backend '%s' (stdio, "
                 "file, null)", opts, backend);
        return -1;
    }
    if (!c) {
        snprintf(err, errlen, "-chardev %s: out of memory", opts);
        return -1;
    }
    return 0;
}
