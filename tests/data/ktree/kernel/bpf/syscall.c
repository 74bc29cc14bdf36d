// SPDX-License-Identifier: GPL-2.0-only
/*
 * einval test tree: the shapes of kernel/bpf/syscall.c in 5.8, cut down.
 * Not kernel code; never compiled.
 */
#include <linux/bpf.h>

#define CHECK_ATTR(CMD) (0)

static __always_inline int map_check_flags(u32 flags)
{
	if (flags & ~BPF_F_ALL)
		return -EINVAL;
	return 0;
}

static struct bpf_map *find_and_alloc_map(union bpf_attr *attr)
{
	if (attr->map_type >= 32)
		return ERR_PTR(-EINVAL);
	return kzalloc(sizeof(struct bpf_map), GFP_USER);
}

static int map_create(union bpf_attr *attr)
{
	struct bpf_map *map;
	int err;

	err = map_check_flags(attr->map_flags);
	if (err)
		return err;
	map = find_and_alloc_map(attr);
	if (IS_ERR(map))
		return PTR_ERR(map);
	return 0;
}

static int bpf_map_update_value(struct bpf_map *map, void *key, void *value,
				u64 flags)
{
	int err;

	if (flags > BPF_EXIST) {
		err = -EINVAL;
		goto out;
	}
	err = map->ops->map_update_elem(map, key, value, flags);
out:
	return err;
}

static int map_update_elem(union bpf_attr *attr)
{
	void __user *ukey = u64_to_user_ptr(attr->key);
	struct bpf_map *map = NULL;
	void *key = NULL, *value = NULL;
	int err;

	err = -EFAULT;
	if (copy_from_user(key, ukey, 4))
		goto out;
	err = bpf_map_update_value(map, key, value, attr->flags);
out:
	return err;
}

static int bpf_prog_load(union bpf_attr *attr)
{
	struct bpf_prog *prog = NULL;

	if (attr->insn_cnt > BPF_MAXINSNS)
		return -E2BIG;
	return bpf_check(&prog, attr);
}

static int bpf_prog_attach(const union bpf_attr *attr)
{
	struct bpf_prog *prog = NULL;

	if (CHECK_ATTR(BPF_PROG_ATTACH))
		return -EINVAL;
	switch (attr->attach_type) {
	case BPF_CGROUP_INET_INGRESS:
	case BPF_CGROUP_INET_EGRESS:
		return cgroup_bpf_prog_attach(attr, BPF_PROG_TYPE_CGROUP_SKB, prog);
	default:
		return -EINVAL;
	}
}

static int link_create(union bpf_attr *attr)
{
	struct bpf_prog *prog = NULL;
	int ret;

	if (CHECK_ATTR(BPF_LINK_CREATE))
		return -EINVAL;
	switch (attr->link_create.attach_type) {
	case BPF_CGROUP_INET_INGRESS:
		ret = cgroup_bpf_link_attach(attr, prog);
		break;
#ifdef CONFIG_BPF_LSM
	case BPF_LSM_CGROUP:
		ret = cgroup_bpf_link_attach(attr, prog);
		break;
#endif
	default:
		ret = -EINVAL;
		break;
	}
	return ret;
}

SYSCALL_DEFINE3(bpf, int, cmd, union bpf_attr __user *, uattr, unsigned int, size)
{
	union bpf_attr attr;
	int err;

	if (size > PAGE_SIZE)
		return -E2BIG;
	memset(&attr, 0, sizeof(attr));
	if (copy_from_user(&attr, uattr, size) != 0)
		return -EFAULT;

	switch (cmd) {
	case BPF_MAP_CREATE:
		err = map_create(&attr);
		break;
	case BPF_MAP_UPDATE_ELEM:
		err = map_update_elem(&attr);
		break;
	case BPF_PROG_LOAD:
		err = bpf_prog_load(&attr);
		break;
	case BPF_PROG_ATTACH:
		err = bpf_prog_attach(&attr);
		break;
	case BPF_LINK_CREATE:
		err = link_create(&attr);
		break;
	default:
		err = -EINVAL;
		break;
	}
	return err;
}
