/* The 8042 keyboard controller (data port 0x60, status/command port 0x64)
 * with a PS/2 MF2 keyboard on its first port (IRQ1) and a PS/2 mouse on
 * its auxiliary port (IRQ12).
 *
 * Controller: command byte and its 32-byte RAM (0x20-0x3F / 0x60-0x7F),
 * self-test, interface tests, port enable/disable, input/output port
 * (output port bit 0 low resets the machine, bit 1 is A20), pulse output
 * lines (0xFE resets), A20 on/off (0xDD/0xDF), writes to either output
 * buffer (0xD2/0xD3) and to the mouse (0xD4), password check (none).
 * With the command byte's XLAT bit set, bytes from the keyboard are
 * translated from set 2 to set 1 as the chip does (F0-prefixed break codes
 * become code|0x80).
 *
 * Keyboard: reset/BAT, LEDs, echo, identify (AB 83), scan code sets 1 and
 * 2 (set 3 is refused with a resend), typematic (stored: the host repeats
 * keys), enable/disable, defaults, resend.  Mouse: reset (AA 00), defaults,
 * reporting on/off, stream and remote modes, wrap mode, sample rate,
 * resolution, scaling, status request, read data, IntelliMouse (ID 3,
 * wheel) and Explorer (ID 4, wheel and buttons 4/5) detection by the
 * sample-rate knocks.
 *
 * Bytes are delivered at once (no serial-line delay), as QEMU does. */
#ifndef HW_I8042_H
#define HW_I8042_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;
struct i8042;

#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12

/* Host keys are scan code set 2 make codes: 0x1C is A, 0x5A Enter; an
 * 0xE0-prefixed key has 0xE0 in the high byte (0xE075 is Up). */
#define I8042_KEY_EXT 0xe000
#define I8042_KEY_PRINT 0xe07c    /* Print Screen: E0 12 E0 7C */
#define I8042_KEY_PAUSE 0xe177    /* Pause: E1 14 77 E1 F0 14 F0 77 */

/* Mouse buttons for i8042_mouse_event. */
#define I8042_BTN_LEFT 0x01
#define I8042_BTN_RIGHT 0x02
#define I8042_BTN_MIDDLE 0x04
#define I8042_BTN_4 0x08
#define I8042_BTN_5 0x10

struct i8042 *i8042_new(struct machine *m, int kbd_irq, int aux_irq,
                        char *err, size_t errlen);
void i8042_free(struct i8042 *k);
void i8042_reset(struct i8042 *k);

/* Called with the output port's A20 bit whenever the guest writes it. */
void i8042_set_a20_hook(struct i8042 *k,
                        void (*set_a20)(void *opaque, bool on), void *opaque);
bool i8042_a20(const struct i8042 *k);

/* Host input.  A key press or release (dropped while the keyboard does not
 * scan); relative mouse motion with dx to the right and dy downwards (as
 * on screen), dz > 0 for the wheel turned towards the user, and the
 * buttons now held (I8042_BTN_*). */
void i8042_key_event(struct i8042 *k, uint16_t key, bool down);
void i8042_mouse_event(struct i8042 *k, int dx, int dy, int dz,
                       unsigned buttons);
/* The keyboard's LEDs: bit 0 Scroll Lock, bit 1 Num Lock, bit 2 Caps. */
uint8_t i8042_kbd_leds(const struct i8042 *k);

#endif
