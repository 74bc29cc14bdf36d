// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: the shapes of kernel/bpf/cgroup.c in 6.1, cut down. */
#include <linux/bpf-cgroup.h>

static bool hierarchy_allows_attach(struct cgroup *cgrp,
				    enum cgroup_bpf_attach_type atype)
{
	return !cgroup_parent(cgrp);
}

static int bpf_cgroup_storages_alloc(struct bpf_cgroup_storage *storages[],
				     struct bpf_prog *prog)
{
	enum bpf_cgroup_storage_type stype;

	for_each_cgroup_storage_type(stype)
		if (bpf_cgroup_storage_alloc(prog, stype))
			return -ENOMEM;
	list_for_each_entry(prog, &prog_list, node) {
		if (bpf_cgroup_storage_check(prog))
			return -EBUSY;
	}
	return 0;
}

static void bpf_cgroup_pick_run(struct bpf_prog *prog, bpf_func_t *bpf_func)
{
#ifdef CONFIG_NET
	if (prog->type == BPF_PROG_TYPE_LSM)
		*bpf_func = __cgroup_bpf_run_lsm_socket;
	else
#endif
		*bpf_func = __cgroup_bpf_run_lsm_current;
}

static int __cgroup_bpf_attach(struct cgroup *cgrp, struct bpf_prog *prog)
{
	struct bpf_cgroup_storage *storage[MAX_BPF_CGROUP_STORAGE_TYPE] = {};

	if (!hierarchy_allows_attach(cgrp, 0))
		return -EPERM;
	if (bpf_cgroup_storages_alloc(storage, prog))
		return -ENOMEM;
	return 0;
}

static int cgroup_bpf_attach(struct cgroup *cgrp, struct bpf_prog *prog)
{
	int ret;

	cgroup_lock();
	ret = __cgroup_bpf_attach(cgrp, prog);
	cgroup_unlock();
	return ret;
}

int cgroup_bpf_link_attach(const union bpf_attr *attr, struct bpf_prog *prog)
{
	struct cgroup *cgrp = cgroup_get_from_fd(attr->link_create.target_fd);

	return cgroup_bpf_attach(cgrp, prog);
}
