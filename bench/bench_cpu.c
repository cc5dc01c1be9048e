/*
 * bench_cpu.c - the CPU model, core count and load, as the OS reports them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench_cpu.h"

void bench_cpu_model(char *buf, size_t len)
{
    static const char key[] = "model name";
    char line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");

    snprintf(buf, len, "unknown");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (strncmp(line, key, sizeof key - 1) != 0 || colon == NULL)
            continue;
        colon += 1 + (colon[1] == ' ');
        colon[strcspn(colon, "\n")] = '\0';
        snprintf(buf, len, "%s", colon);
        break;
    }
    fclose(f);
}

int bench_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

double bench_cpu_load(void)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f == NULL)
        return -1;
    if (fscanf(f, "%lf", &load) != 1)
        load = -1;
    fclose(f);
    return load;
}
