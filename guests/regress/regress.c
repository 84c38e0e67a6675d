/* regress: one source, eight builds (-DVERSION=1 ... -DVERSION=8), a release
 * history in which one version introduces a regression, for `git bisect` and
 * kreplay's bisection over builds.
 *
 * Every version computes the CRC-32 (IEEE, as zlib's crc32) of a buffer of
 * pseudo-random bytes twice, bit by bit and with a 256-entry table, and checks
 * that the two agree. If they do it prints the result and exits with code 0;
 * if not it panics with "regress: checksum mismatch in v<N>: ...".
 *
 * The history:
 *   v1  the first version: 3,001 bytes from an LCG seeded with 1
 *   v2  the buffer grows to 4,001 bytes
 *   v3  also prints the sum of the bytes
 *   v4  a different seed (0x5EED)
 *   v5  also prints the table's last entry
 *   v6  crc32_table handles four bytes per iteration, and forgets the last
 *       len % 4 bytes: THE REGRESSION (4,001 % 4 = 1 byte is dropped)
 *   v7  the buffer grows to 5,003 bytes (3 bytes dropped; still broken)
 *   v8  also prints the number of table lookups (still broken)
 * So v1-v5 exit 0 and v6-v8 panic; the first bad version is v6. */
#include "guest.h"

#ifndef VERSION
#error "build with -DVERSION=1 ... -DVERSION=8"
#endif
#if VERSION < 1 || VERSION > 8
#error "VERSION must be 1 ... 8"
#endif

#if VERSION >= 7
#define NBYTES 5003
#elif VERSION >= 2
#define NBYTES 4001
#else
#define NBYTES 3001
#endif

#if VERSION >= 4
#define SEED 0x5EEDu
#else
#define SEED 1u
#endif

#define CRC_POLY 0xEDB88320u /* reflected IEEE 802.3 polynomial */

static uint8_t buf[NBYTES];
static uint32_t crc_table[256];
static uint32_t lookups;

static void fill_buffer(uint8_t *p, uint32_t len, uint32_t seed)
{
	uint32_t x = seed, i;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = (uint8_t)(x >> 16);
	}
}

static void crc32_init(void)
{
	uint32_t i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ CRC_POLY : c >> 1;
		crc_table[i] = c;
	}
}

/* The reference: one bit at a time. */
static __attribute__((noinline)) uint32_t crc32_bitwise(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xFFFFFFFFu, i, k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ CRC_POLY : crc >> 1;
	}
	return ~crc;
}

#define CRC_STEP(crc, byte) \
	((crc) = crc_table[((crc) ^ (byte)) & 0xFF] ^ ((crc) >> 8), lookups++)

/* The fast version: one table lookup per byte. */
static __attribute__((noinline)) uint32_t crc32_table(const uint8_t *p, uint32_t len)
{
	uint32_t crc = 0xFFFFFFFFu, i;

#if VERSION >= 6
	/* v6: unrolled, four bytes per iteration. BUG: the len % 4 bytes left
	 * over after the last full group of four are never processed. */
	for (i = 0; i + 4 <= len; i += 4) {
		CRC_STEP(crc, p[i]);
		CRC_STEP(crc, p[i + 1]);
		CRC_STEP(crc, p[i + 2]);
		CRC_STEP(crc, p[i + 3]);
	}
#else
	for (i = 0; i < len; i++)
		CRC_STEP(crc, p[i]);
#endif
	return ~crc;
}

static __attribute__((noinline)) void verify_checksum(uint32_t fast, uint32_t ref)
{
	if (fast != ref)
		panic("regress: checksum mismatch in v%d: crc32_table 0x%08x != crc32_bitwise 0x%08x",
			VERSION, fast, ref);
}

void kmain(uint32_t magic, struct multiboot_info *mbi)
{
	uint32_t fast, ref;

	(void)mbi;
	serial_init();
	kprintf("regress: version %d\n", VERSION);
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		panic("regress: bad multiboot magic 0x%08x", magic);
	fill_buffer(buf, NBYTES, SEED);
	kprintf("regress: %u bytes, seed 0x%x\n", NBYTES, SEED);
#if VERSION >= 3
	{
		uint32_t sum = 0, i;

		for (i = 0; i < NBYTES; i++)
			sum += buf[i];
		kprintf("regress: byte sum %u\n", sum);
	}
#endif
	crc32_init();
#if VERSION >= 5
	kprintf("regress: crc_table[255] = 0x%08x\n", crc_table[255]);
#endif
	fast = crc32_table(buf, NBYTES);
	ref = crc32_bitwise(buf, NBYTES);
#if VERSION >= 8
	kprintf("regress: %u table lookups\n", lookups);
#endif
	verify_checksum(fast, ref);
	kprintf("regress: v%d ok: crc32 0x%08x\n", VERSION, ref);
	guest_exit(0);
}
