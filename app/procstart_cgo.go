//go:build cgo && unix

package app

/*
#include <time.h>

static struct timespec loaded;

// Runs before the Go runtime starts, as runc's nsenter relies on.
__attribute__((constructor)) static void procstart_mark(void) {
	clock_gettime(CLOCK_MONOTONIC, &loaded);
}

static long long procstart_elapsed_ns(void) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - loaded.tv_sec) * 1000000000LL + (now.tv_nsec - loaded.tv_nsec);
}
*/
import "C"

import "time"

func processStart() time.Time {
	return time.Now().Add(-time.Duration(C.procstart_elapsed_ns()))
}
