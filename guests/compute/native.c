/* compute-native: the compute guest's workload as a 32-bit Linux program.
 * Usage: compute-native [n]   (n defaults to COMPUTE_DEFAULT_N; "n=5" also accepted)
 * Prints exactly the line the guest prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

int main(int argc, char **argv)
{
	uint32_t n = COMPUTE_DEFAULT_N;

	if (argc > 1) {
		const char *arg = argv[1];
		char *end;
		if (strncmp(arg, "n=", 2) == 0)
			arg += 2;
		n = (uint32_t)strtoul(arg, &end, 0);
		if (!*arg || *end) {
			fprintf(stderr, "usage: %s [n]\n", argv[0]);
			return 2;
		}
	}
	printf("compute: n=%u checksum=%08x\n", (unsigned)n, (unsigned)workload_run(n));
	return 0;
}
