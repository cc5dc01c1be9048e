/*
 * registry.c - find the specialized kernel for a layer.
 *
 * A registry is data (a table of keys, as the generator writes it) plus this
 * one predicate: a key matches when every configuration field is equal and
 * each of in_h, in_w, channels is either equal or 0 ("any"). Among matches
 * the most specific key wins (exact shape before configuration-only). A
 * kernel that needs instructions this CPU lacks never matches: a set
 * generated for a wider CPU then falls back to what else matches, in the
 * end the generic kernel, rather than stopping on an illegal instruction.
 */
#include "dwgen.h"

const dwgen_registry dwgen_registry_empty = { "empty", 0, NULL, 0, NULL };

/* Equal configuration: everything but the input size. */
static int same_config(const dwgen_params *k, const dwgen_params *p)
{
    if (k->kernel_h != p->kernel_h || k->kernel_w != p->kernel_w ||
        k->stride_h != p->stride_h || k->stride_w != p->stride_w ||
        k->rate_h != p->rate_h || k->rate_w != p->rate_w ||
        k->padding != p->padding || k->multiplier != p->multiplier ||
        k->activation != p->activation || k->dtype != p->dtype)
        return 0;
    if (p->padding == DWGEN_PAD_EXPLICIT &&
        (k->pad_top != p->pad_top || k->pad_bottom != p->pad_bottom ||
         k->pad_left != p->pad_left || k->pad_right != p->pad_right))
        return 0;
    if (p->activation == DWGEN_ACT_CLAMP &&
        (k->clamp_min != p->clamp_min || k->clamp_max != p->clamp_max))
        return 0;
    return 1;
}

/* How many of the size fields the key fixes, or -1 when it does not match. */
static int specificity(const dwgen_params *k, const dwgen_params *p)
{
    const int key[3] = { k->in_h, k->in_w, k->channels };
    const int want[3] = { p->in_h, p->in_w, p->channels };
    int fixed = 0;

    if (!same_config(k, p))
        return -1;
    for (int i = 0; i < 3; i++) {
        if (key[i] == 0)
            continue;
        if (key[i] != want[i])
            return -1;
        fixed++;
    }
    return fixed;
}

const dwgen_kernel_entry *dwgen_registry_lookup(const dwgen_registry *registry,
                                                const dwgen_params *params)
{
    const dwgen_kernel_entry *best = NULL;
    int best_fixed = -1;

    if (registry == NULL || params == NULL || registry->entries == NULL)
        return NULL;
    unsigned cpu = dwgen_cpu_isa();
    for (size_t i = 0; i < registry->count; i++) {
        if ((registry->entries[i].isa & ~cpu) != 0)
            continue;
        int fixed = specificity(&registry->entries[i].key, params);
        if (fixed > best_fixed) {
            best = &registry->entries[i];
            best_fixed = fixed;
        }
    }
    return best;
}
