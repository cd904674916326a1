/* fuzz_progress.c: a line of yt-dlp output through the progress parser. */
#include <stddef.h>
#include <stdint.h>

#include "progress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct progress		 p;
	struct progress_total	 t;
	char			 speed[32], eta[32];

	if (progress_parse((const char *)data, len, &p) == 0) {
		progress_total_init(&t, 2);
		progress_total_add(&t, &p);
		progress_speed(p.speed, speed, sizeof(speed));
		progress_eta(p.eta, eta, sizeof(eta));
	}
	return 0;
}
