// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: a second implementation of the same ops field. */
#include <linux/bpf.h>

static int array_map_update_elem(struct bpf_map *map, void *key, void *value,
				 u64 map_flags)
{
	u32 index = *(u32 *)key;

	if (index >= 4)
		return -E2BIG;
	if (map_flags & BPF_NOEXIST)
		return -EEXIST;
	return 0;
}

const struct bpf_map_ops array_map_ops = {
	.map_update_elem = array_map_update_elem,
};
