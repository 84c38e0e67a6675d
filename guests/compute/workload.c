/* Each round: a sieve of Eratosthenes, CRC32 over LCG bytes, a heapsort of LCG
 * words, and a multiply/divide mix (modular exponentiation via MUL/DIV on
 * EDX:EAX, Euclid's gcd, signed IDIV, 64-bit products). Round parameters vary
 * with the round number so no two rounds compute the same thing. Everything
 * is folded into one 32-bit checksum. */
#include "workload.h"

#define SIEVE_LIMIT 65536
#define CRC_LEN 32768
#define SORT_N 4096
#define MULDIV_ITERS 1024

static uint8_t sieve[SIEVE_LIMIT];
static uint8_t crc_buf[CRC_LEN];
static uint32_t sort_buf[SORT_N];
static uint32_t crc_table[256];

static inline uint32_t lcg_next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

static inline uint32_t rotl(uint32_t x, unsigned k)
{
	return (x << k) | (x >> (32 - k));
}

static inline uint32_t mix(uint32_t h, uint32_t v)
{
	h ^= v;
	h = rotl(h, 13);
	return h * 0x9E3779B1u + 0x7F4A7C15u;
}

/* (a * b) mod m with a 64-bit intermediate: MUL then DIV on EDX:EAX.
 * Requires a < m and b < m so the quotient fits in 32 bits. */
static inline uint32_t mulmod(uint32_t a, uint32_t b, uint32_t m)
{
	uint32_t q, r;
	__asm__("mull %3\n\tdivl %4" : "=a"(q), "=&d"(r) : "0"(a), "rm"(b), "c"(m) : "cc");
	(void)q;
	return r;
}

static uint32_t modpow(uint32_t base, uint32_t exp, uint32_t m)
{
	uint32_t result = 1 % m;

	base %= m;
	while (exp) {
		if (exp & 1)
			result = mulmod(result, base, m);
		base = mulmod(base, base, m);
		exp >>= 1;
	}
	return result;
}

static uint32_t gcd(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

static void crc32_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32(const uint8_t *p, uint32_t len)
{
	uint32_t c = 0xFFFFFFFFu;
	while (len--)
		c = crc_table[(c ^ *p++) & 0xFF] ^ (c >> 8);
	return c ^ 0xFFFFFFFFu;
}

/* Returns a digest of the primes below limit; *p1 and *p2 get the two largest. */
static uint32_t run_sieve(uint32_t limit, uint32_t *p1, uint32_t *p2)
{
	uint32_t count = 0, sum = 0, i, j;

	for (i = 0; i < limit; i++)
		sieve[i] = 1;
	sieve[0] = sieve[1] = 0;
	for (i = 2; i * i < limit; i++)
		if (sieve[i])
			for (j = i * i; j < limit; j += i)
				sieve[j] = 0;
	*p1 = *p2 = 2;
	for (i = 2; i < limit; i++) {
		if (sieve[i]) {
			count++;
			sum += i * count;
			*p2 = *p1;
			*p1 = i;
		}
	}
	return mix(count, sum);
}

static void sift_down(uint32_t *a, uint32_t start, uint32_t end)
{
	uint32_t root = start;

	for (;;) {
		uint32_t child = 2 * root + 1;
		if (child >= end)
			return;
		if (child + 1 < end && a[child] < a[child + 1])
			child++;
		if (a[root] >= a[child])
			return;
		uint32_t t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static void heapsort(uint32_t *a, uint32_t n)
{
	uint32_t i;

	for (i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (i = n; i-- > 1;) {
		uint32_t t = a[0];
		a[0] = a[i];
		a[i] = t;
		sift_down(a, 0, i);
	}
}

static uint32_t run_sort(uint32_t *seed, uint32_t r)
{
	uint32_t n = SORT_N - (r & 63), h = 0, i, unsorted = 0;

	for (i = 0; i < n; i++)
		sort_buf[i] = lcg_next(seed) ^ (lcg_next(seed) >> 16);
	heapsort(sort_buf, n);
	for (i = 0; i < n; i++) {
		if (i && sort_buf[i - 1] > sort_buf[i])
			unsorted++;
		h += sort_buf[i] * (i + 1);
	}
	return mix(mix(h, sort_buf[n / 2]), unsorted);
}

static uint32_t run_crc(uint32_t *seed, uint32_t r)
{
	uint32_t len = CRC_LEN - (r & 255), i;

	for (i = 0; i < len; i++)
		crc_buf[i] = (uint8_t)(lcg_next(seed) >> 24);
	return crc32(crc_buf, len);
}

static uint32_t run_muldiv(uint32_t *seed, uint32_t p, uint32_t q)
{
	uint32_t m = p * q; /* p, q < 65536: a 32-bit modulus, unsigned */
	uint32_t acc = 0, i;
	int32_t sacc = 0;
	uint64_t wide = 0;

	for (i = 0; i < MULDIV_ITERS; i++) {
		uint32_t a = lcg_next(seed), e = lcg_next(seed);
		int32_t sx = (int32_t)lcg_next(seed);
		int32_t d = (int32_t)(lcg_next(seed) % 255u) - 127;

		acc ^= modpow(a, e, m);
		acc += gcd(a | 1, e | 1);
		if (d == 0)
			d = 7;
		if (sx == INT32_MIN && d == -1) /* the one quotient IDIV cannot hold */
			sx = INT32_MAX;
		sacc += sx / d + sx % d;
		wide += (uint64_t)a * e;
		wide ^= wide >> 29;
	}
	return mix(mix(acc, (uint32_t)sacc), (uint32_t)wide ^ (uint32_t)(wide >> 32));
}

uint32_t workload_run(uint32_t n)
{
	uint32_t h = 0x811C9DC5u;

	crc32_init();
	for (uint32_t r = 0; r < n; r++) {
		uint32_t seed = 0x12345678u ^ (r * 0x9E3779B9u);
		uint32_t p1, p2;

		h = mix(h, r);
		h = mix(h, run_sieve(SIEVE_LIMIT - (r % 251) * 16, &p1, &p2));
		h = mix(h, run_crc(&seed, r));
		h = mix(h, run_sort(&seed, r));
		h = mix(h, run_muldiv(&seed, p1, p2));
	}
	return h;
}
