// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: 5.8 kept cgroup_bpf_attach() here, outside kernel/bpf. */
#include <linux/cgroup.h>

int cgroup_bpf_attach(struct cgroup *cgrp, struct bpf_prog *prog,
		      enum bpf_attach_type type, u32 flags)
{
	int ret;

	mutex_lock(&cgroup_mutex);
	ret = __cgroup_bpf_attach(cgrp, prog, type, flags);
	mutex_unlock(&cgroup_mutex);
	return ret;
}

/* Called from kernel/bpf but calls nothing there: not a bridge. */
struct cgroup *cgroup_get_from_fd(int fd)
{
	return cgroup_get_from_file(fget(fd));
}
