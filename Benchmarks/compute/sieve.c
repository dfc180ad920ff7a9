/*
 * sieve: a compute guest of `plugboard-benchmarks engines` (EngineBenchmark.swift): the sieve of Eratosthenes
 * over a byte array (loop- and memory-bound), the same function as the benchmark's native Swift baseline.
 * No imports (libc only for the memset the compiler emits).
 *   scripts/wasm-cc -mexec-model=reactor -O2 -mcpu=mvp Benchmarks/compute/sieve.c -o sieve.wasm
 */
#include <stdint.h>
#include <string.h>

#define CAPACITY (4u << 20)

static uint8_t composite[CAPACITY];

/* The number of primes below n (n ≤ 4 Mi). */
__attribute__((export_name("sieve"))) uint32_t sieve(uint32_t n) {
    if (n > CAPACITY) n = CAPACITY;
    memset(composite, 0, n);
    uint32_t count = 0;
    for (uint32_t i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        if (i > (n - 1) / i) continue; /* i * i ≥ n: nothing left to mark (and no 32-bit overflow) */
        for (uint32_t j = i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
}
