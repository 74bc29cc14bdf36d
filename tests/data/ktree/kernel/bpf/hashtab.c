// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: an ops table, called through map->ops->... */
#include <linux/bpf.h>

static void *htab_map_lookup_elem(struct bpf_map *map, void *key)
{
	return NULL;
}

static int htab_map_update_elem(struct bpf_map *map, void *key, void *value,
				u64 map_flags)
{
	if (map_flags > BPF_EXIST)
		return -EINVAL;
	return 0;
}

const struct bpf_map_ops htab_map_ops = {
	.map_lookup_elem = htab_map_lookup_elem,
	.map_update_elem = htab_map_update_elem,
};
