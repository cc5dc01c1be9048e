/*
 * bench_cpu.h - what machine the numbers come from, and how busy it is.
 */
#ifndef BENCH_CPU_H
#define BENCH_CPU_H

#include <stddef.h>

/*
 * The CPU model as /proc/cpuinfo states it ("model name"), or "unknown";
 * copied into buf (always terminated).
 */
void bench_cpu_model(char *buf, size_t len);

/* Online CPUs as the OS reports them (sysconf), at least 1. */
int bench_cpu_count(void);

/*
 * The 1-minute load average (/proc/loadavg), or -1 when unknown. A load
 * near the core count means other processes compete for the cores: the
 * two-thread numbers then mostly measure that competition.
 */
double bench_cpu_load(void);

#endif
