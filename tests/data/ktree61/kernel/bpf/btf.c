// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: BTF_ID lines (no semicolon) right before a definition. */
#include <linux/btf.h>

BTF_SET_START(btf_allowlist_d_path)
BTF_ID(func, vfs_truncate)
BTF_ID(func, vfs_fallocate)
BTF_SET_END(btf_allowlist_d_path)

BTF_ID_LIST_SINGLE(btf_vmlinux_ids, struct,
		   btf)
struct btf *btf_parse_vmlinux(void)
{
	struct btf_verifier_env *env = NULL;

	env = kzalloc(sizeof(*env), GFP_KERNEL | __GFP_NOWARN);
	if (!env)
		return ERR_PTR(-ENOMEM);
	if (btf_check_all_metas(env))
		return ERR_PTR(-EINVAL);
	return NULL;
}
