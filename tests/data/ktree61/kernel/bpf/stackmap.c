// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: the real bpf_stackmap_copy; syscall.c has a __weak stub. */
#include <linux/bpf.h>

int bpf_stackmap_copy(struct bpf_map *map, void *key, void *value)
{
	struct bpf_stack_map *smap = container_of(map, struct bpf_stack_map, map);
	u32 id = *(u32 *)key;

	if (unlikely(id >= smap->n_buckets))
		return -ENOENT;
	return 0;
}
