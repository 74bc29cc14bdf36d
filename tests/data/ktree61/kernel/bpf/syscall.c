// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: the shapes of kernel/bpf/syscall.c in 6.1, cut down. */
#include <linux/bpf.h>

int __weak bpf_stackmap_copy(struct bpf_map *map, void *key, void *value)
{
	return -ENOTSUPP;
}

static int bpf_map_copy_value(struct bpf_map *map, void *key, void *value)
{
	int err;

	if (map->map_type == BPF_MAP_TYPE_STACK_TRACE)
		err = bpf_stackmap_copy(map, key, value);
	else
		err = -EOPNOTSUPP;
	return err;
}

static int map_lookup_elem(union bpf_attr *attr)
{
	struct bpf_map *map = NULL;

	if (attr->flags)
		return -EINVAL;
	return bpf_map_copy_value(map, NULL, NULL);
}

static int map_freeze(const union bpf_attr *attr)
{
	struct bpf_map_owner *owner = map_owner(attr->map_fd);

	if (!owner)
		return -EBADF;
	bpf_map_freeze_now(container_of(owner, struct bpf_map, owner));
	return 0;
}

static void bpf_map_freeze_now(struct bpf_map *map)
{
	WRITE_ONCE(map->frozen, true);
}

static int bpf_prog_load(union bpf_attr *attr, bpfptr_t uattr)
{
	struct btf *btf;

	if (!capable(CAP_BPF))
		return -EPERM;
	btf = bpf_get_btf_vmlinux();
	if (IS_ERR(btf))
		return PTR_ERR(btf);
	return 0;
}

static int link_create(union bpf_attr *attr, bpfptr_t uattr)
{
	int ret;

	switch (attr->link_create.attach_type) {
	case BPF_CGROUP_INET_INGRESS:
		ret = cgroup_bpf_link_attach(attr, NULL);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	return ret;
}

static int __sys_bpf(int cmd, bpfptr_t uattr, unsigned int size)
{
	union bpf_attr attr;
	int err;

	switch (cmd) {
	case BPF_MAP_LOOKUP_ELEM:
		err = map_lookup_elem(&attr);
		break;
	case BPF_MAP_FREEZE:
		err = map_freeze(&attr);
		break;
	case BPF_PROG_LOAD:
		err = bpf_prog_load(&attr, uattr);
		break;
	case BPF_LINK_CREATE:
		err = link_create(&attr, uattr);
		break;
	default:
		err = -EINVAL;
		break;
	}
	return err;
}

SYSCALL_DEFINE3(bpf, int, cmd, union bpf_attr __user *, uattr, unsigned int, size)
{
	return __sys_bpf(cmd, USER_BPFPTR(uattr), size);
}

BPF_CALL_3(bpf_sys_bpf, int, cmd, union bpf_attr *, attr, u32, attr_size)
{
	switch (cmd) {
	case BPF_PROG_LOAD:
		break;
	default:
		return -EINVAL;
	}
	return __sys_bpf(cmd, KERNEL_BPFPTR(attr), attr_size);
}

int kern_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size)
{
	return ____bpf_sys_bpf(cmd, attr, size);
}
