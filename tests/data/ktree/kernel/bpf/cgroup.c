// SPDX-License-Identifier: GPL-2.0-only
/*
 * einval test tree: the shapes of kernel/bpf/cgroup.c in 5.8, cut down.
 * cgroup_bpf_attach() lives in kernel/cgroup/cgroup.c, as in 5.8.
 */
#include <linux/bpf-cgroup.h>

static u32 prog_list_length(struct list_head *head)
{
	struct bpf_prog_list *pl;
	u32 cnt = 0;

	list_for_each_entry(pl, head, node) {
		if (!pl->prog)
			continue;
		cnt++;
	}
	return cnt;
}

/* if parent has non-overridable prog attached,
 * disallow attaching new programs to the descendent cgroup.
 */
static bool hierarchy_allows_attach(struct cgroup *cgrp,
				    enum bpf_attach_type type)
{
	struct cgroup *p;

	p = cgroup_parent(cgrp);
	if (!p)
		return true;
	do {
		u32 flags = p->bpf.flags[type];

		if (flags & BPF_F_ALLOW_MULTI)
			return true;
		if (prog_list_length(&p->bpf.progs[type]) == 1)
			return !!(flags & BPF_F_ALLOW_OVERRIDE);
		p = cgroup_parent(p);
	} while (p);
	return true;
}

int __cgroup_bpf_attach(struct cgroup *cgrp, struct bpf_prog *prog,
			enum bpf_attach_type type, u32 flags)
{
	if ((flags & BPF_F_ALLOW_OVERRIDE) && (flags & BPF_F_ALLOW_MULTI))
		/* invalid combination */
		return -EINVAL;
	if (!hierarchy_allows_attach(cgrp, type))
		return -EPERM;
	if (prog_list_length(&cgrp->bpf.progs[type]) >= BPF_CGROUP_MAX_PROGS)
		return -E2BIG;
	return 0;
}

int cgroup_bpf_prog_attach(const union bpf_attr *attr,
			   enum bpf_prog_type ptype, struct bpf_prog *prog)
{
	struct cgroup *cgrp;
	int ret;

	cgrp = cgroup_get_from_fd(attr->target_fd);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	ret = cgroup_bpf_attach(cgrp, prog, attr->attach_type,
				attr->attach_flags);
	cgroup_put(cgrp);
	return ret;
}

int cgroup_bpf_prog_detach(const union bpf_attr *attr)
{
	return -ENOENT;
}

int cgroup_bpf_link_attach(const union bpf_attr *attr, struct bpf_prog *prog)
{
	struct cgroup *cgrp;
	int err;

	if (attr->link_create.flags)
		return -EINVAL;
	cgrp = cgroup_get_from_fd(attr->link_create.target_fd);
	err = cgroup_bpf_attach(cgrp, prog, attr->link_create.attach_type,
				BPF_F_ALLOW_MULTI);
	cgroup_put(cgrp);
	return err;
}
