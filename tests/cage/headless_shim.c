/*
 * LD_PRELOAD shim for running kiosk-player's integration tests under cage.
 *
 * The tests run the player in cage 0.1.4 on wlroots 0.15's headless backend.
 * There the output is always 1280x720 and there is no input device, and cage
 * 0.1.4 has no virtual pointer/keyboard protocol, so tests could neither try
 * other screen sizes nor touch the screen. Preloaded into cage, this adds:
 *
 *   KIOSK_SHIM_OUTPUT=WIDTHxHEIGHT  headless outputs get that size.
 *   KIOSK_SHIM_TOUCH=/path/to/fifo  a touch screen mapped to the first output,
 *       driven by lines written to the FIFO (made by the test with mkfifo,
 *       readable by the user cage runs as):
 *           down ID X Y | motion ID X Y | up ID
 *       X and Y are fractions 0..1 of the output, as wlroots' touch events are.
 *
 * And always: no direct scan-out. cage 0.1.4 hands a full-screen client's
 * buffer straight to the output (wlr_output_attach_buffer) instead of
 * compositing it; on the headless backend with the shared-memory buffers a
 * software Vulkan driver makes, the output then keeps showing, and grim keeps
 * reading, an older composited frame of a client that draws only on change.
 * (On a real screen the DRM backend refuses shared-memory buffers for
 * scan-out and cage composites them.) Refusing the scan-out commit makes cage
 * composite every frame, as it does on such a screen.
 *
 * Otherwise it changes nothing. cage passes LD_PRELOAD on to the client it
 * starts, where the shim is loaded but inert.
 *
 * It interposes wlr_headless_add_output(), which wlr_backend_autocreate() calls
 * through libwlroots' PLT for each headless output, so LD_PRELOAD wins there.
 *
 * Build (Debian 12 packages: gcc pkg-config libwlroots-dev, which brings
 * libwayland-dev, libpixman-1-dev and libxkbcommon-dev):
 *   cc -shared -fPIC -O2 -Wall -DWLR_USE_UNSTABLE -o headless_shim.so \
 *     tests/cage/headless_shim.c $(pkg-config --cflags --libs wlroots wayland-server) -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wayland-server-core.h>
#include <wlr/backend/headless.h>
#include <wlr/types/wlr_input_device.h>
#include <wlr/types/wlr_output.h>
#include <wlr/types/wlr_touch.h>

static struct wlr_input_device *touch;
static struct wl_event_loop *loop;
static struct wl_event_source *fifo_source;
static const char *fifo_path;
static char buf[256];
static size_t buf_len;

/* Real devices (libinput) stamp events with CLOCK_MONOTONIC milliseconds. */
static uint32_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void handle_line(const char *line) {
	char cmd[8], extra;
	int id;
	double x, y;
	int n = sscanf(line, "%7s %d %lf %lf %c", cmd, &id, &x, &y, &extra);
	if (n <= 0)
		return;
	bool in_range = n == 4 && x >= 0 && x <= 1 && y >= 0 && y <= 1;
	if (strcmp(cmd, "up") == 0 && n == 2) {
		struct wlr_event_touch_up ev = {touch, now_ms(), id};
		wl_signal_emit(&touch->touch->events.up, &ev);
	} else if (strcmp(cmd, "down") == 0 && in_range) {
		struct wlr_event_touch_down ev = {touch, now_ms(), id, x, y};
		wl_signal_emit(&touch->touch->events.down, &ev);
	} else if (strcmp(cmd, "motion") == 0 && in_range) {
		struct wlr_event_touch_motion ev = {touch, now_ms(), id, x, y};
		wl_signal_emit(&touch->touch->events.motion, &ev);
	} else {
		fprintf(stderr, "kiosk-shim: ignoring touch line '%s' "
			"(want: down ID X Y | motion ID X Y | up ID, X/Y in 0..1)\n", line);
		return;
	}
	/* libinput closes every group of touch events with a frame. */
	wl_signal_emit(&touch->touch->events.frame, NULL);
}

static int handle_fifo(int fd, uint32_t mask, void *data);

static void open_fifo(void) {
	/* Non-blocking, or cage would hang here until a test opens the FIFO. */
	int fd = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kiosk-shim: cannot open %s: %s\n", fifo_path, strerror(errno));
		return;
	}
	fifo_source = wl_event_loop_add_fd(loop, fd, WL_EVENT_READABLE, handle_fifo, NULL);
}

static int handle_fifo(int fd, uint32_t mask, void *data) {
	for (;;) {
		ssize_t n = read(fd, buf + buf_len, sizeof buf - 1 - buf_len);
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			break;
		buf_len += n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', buf + buf_len - start))) {
			*nl = '\0';
			handle_line(start);
			start = nl + 1;
		}
		buf_len -= start - buf;
		memmove(buf, start, buf_len);
		if (buf_len == sizeof buf - 1) {
			fprintf(stderr, "kiosk-shim: dropping over-long touch line\n");
			buf_len = 0;
		}
	}
	/* The last writer left. A final line may lack its newline. */
	if (buf_len) {
		buf[buf_len] = '\0';
		handle_line(buf);
		buf_len = 0;
	}
	/* A FIFO without writers polls as hung up forever; reopening waits for
	 * the next writer instead of spinning the event loop. */
	wl_event_source_remove(fifo_source);
	close(fd); /* the source polled, and closed, only a duplicate of fd */
	open_fifo();
	return 0;
}

static void add_touch(struct wlr_backend *backend, struct wlr_output *output) {
	touch = wlr_headless_add_input_device(backend, WLR_INPUT_DEVICE_TOUCH);
	if (!touch)
		return;
	/* cage maps a touch device to the output named here; headless devices
	 * name none, and would then span the whole layout. */
	touch->output_name = strdup(output->name);
	/* The FIFO is read on cage's own event loop: wlroots is not thread-safe. */
	loop = wl_display_get_event_loop(output->display);
	open_fifo();
}

/* cage's scan-out: attach the client's buffer, then commit. Only cage itself
 * attaches buffers from outside libwlroots (its render path attaches through
 * wlroots), and that one call is refused: nothing is attached and the commit
 * that follows fails, so cage composites the frame instead. */
static bool scan_out_refused;

static bool called_from_wlroots(void *caller) {
	Dl_info here, there;
	return dladdr((void *)wlr_output_rollback, &here) && dladdr(caller, &there) &&
		here.dli_fbase == there.dli_fbase;
}

void wlr_output_attach_buffer(struct wlr_output *output, struct wlr_buffer *buffer) {
	static void (*real)(struct wlr_output *, struct wlr_buffer *);
	if (!real)
		real = (void (*)(struct wlr_output *, struct wlr_buffer *))
			dlsym(RTLD_NEXT, "wlr_output_attach_buffer");
	if (called_from_wlroots(__builtin_return_address(0)))
		real(output, buffer);
	else
		scan_out_refused = true;
}

bool wlr_output_commit(struct wlr_output *output) {
	static bool (*real)(struct wlr_output *);
	if (!real)
		real = (bool (*)(struct wlr_output *))dlsym(RTLD_NEXT, "wlr_output_commit");
	if (scan_out_refused) {
		scan_out_refused = false;
		return false;
	}
	return real(output);
}

struct wlr_output *wlr_headless_add_output(struct wlr_backend *backend,
		unsigned int width, unsigned int height) {
	static struct wlr_output *(*real)(struct wlr_backend *, unsigned int, unsigned int);
	if (!real)
		real = (struct wlr_output *(*)(struct wlr_backend *, unsigned int, unsigned int))
			dlsym(RTLD_NEXT, "wlr_headless_add_output");

	const char *size = getenv("KIOSK_SHIM_OUTPUT");
	if (size) {
		unsigned int w, h;
		char extra;
		if (sscanf(size, "%ux%u%c", &w, &h, &extra) == 2 && w > 0 && h > 0) {
			width = w;
			height = h;
		} else {
			fprintf(stderr, "kiosk-shim: ignoring KIOSK_SHIM_OUTPUT=%s (want WIDTHxHEIGHT)\n", size);
		}
	}

	struct wlr_output *output = real(backend, width, height);
	fifo_path = getenv("KIOSK_SHIM_TOUCH");
	if (output && fifo_path && !touch)
		add_touch(backend, output);
	return output;
}
