/*
 * fib: a compute guest of `plugboard-benchmarks engines` (EngineBenchmark.swift): naive recursive Fibonacci
 * (call-bound), the same function as the benchmark's native Swift baseline. No imports.
 *   scripts/wasm-cc -mexec-model=reactor -O2 -mcpu=mvp Benchmarks/compute/fib.c -o fib.wasm
 */
#include <stdint.h>

__attribute__((export_name("fib"))) uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
