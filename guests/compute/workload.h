/* The compute workload: pure integer work with no kernel or libc dependency,
 * linked unchanged (the same object file) into the compute guest and into the
 * native Linux program compute-native, which must print the same checksum. */
#ifndef COMPUTE_WORKLOAD_H
#define COMPUTE_WORKLOAD_H

#include <stdint.h>

/* Rounds run when the command line gives no n= (about 1e9 instructions; see
 * guests/README.md for the measurement). */
#define COMPUTE_DEFAULT_N 280u

/* Run n rounds of sieve + CRC32 + heapsort + mul/div and return the checksum.
 * Deterministic: depends only on n. */
uint32_t workload_run(uint32_t n);

#endif
