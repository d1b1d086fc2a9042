/*
 * work.c - the other test programs of make bench, one binary whose name
 * says what it does: "..._sleep_NNNN" sleeps NNNN ms and exits 0;
 * "..._flood_NNN" writes NNN MiB to stdout and exits 0; "..._chatty_NNNN"
 * writes NNNN KiB to stdout and as much to stderr, in turns of 4 KiB of
 * 64-byte lines (a runner that drains one pipe before the other hangs).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long number_after(const char *name, const char *word)
{
	const char *p = strstr(name, word);

	return p ? strtol(p + strlen(word), NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : "";
	long ms = number_after(name, "_sleep_"), mib = number_after(name, "_flood_");
	long kib = number_after(name, "_chatty_");

	if (ms >= 0) {
		struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return 0;
	}
	if (kib >= 0) {
		static char chunk[4096];
		long i;
		int fd;

		memset(chunk, 'x', sizeof chunk);
		for (i = 0; i < (long)sizeof chunk; i += 64) {
			memcpy(chunk + i, "# chatty ", 9);
			chunk[i + 63] = '\n';
		}
		for (i = 0; i < kib / 4 * 2; i++) {
			size_t done = 0;

			fd = i % 2 ? 2 : 1;
			while (done < sizeof chunk) {
				ssize_t n = write(fd, chunk + done, sizeof chunk - done);

				if (n < 0 && errno != EINTR)
					return 3;
				done += n > 0 ? (size_t)n : 0;
			}
		}
		return 0;
	}
	if (mib >= 0) {
		static char block[1 << 20];
		long i;

		memset(block, 'x', sizeof block);
		for (i = 0; i < (long)sizeof block; i += 64)
			block[i] = '\n';
		for (i = 0; i < mib; i++) {
			size_t done = 0;

			while (done < sizeof block) {
				ssize_t n = write(1, block + done, sizeof block - done);

				if (n < 0 && errno != EINTR)
					return 3;
				done += n > 0 ? (size_t)n : 0;
			}
		}
		return 0;
	}
	return 2;
}
