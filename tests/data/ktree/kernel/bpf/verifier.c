// SPDX-License-Identifier: GPL-2.0-only
/* einval test tree: the verifier already carries its own log. */
#include <linux/bpf_verifier.h>

static int check_reg_arg(struct bpf_verifier_env *env, u32 regno)
{
	if (regno >= MAX_BPF_REG) {
		verbose(env, "R%d is invalid\n", regno);
		return -EINVAL;
	}
	return 0;
}

static int do_check(struct bpf_verifier_env *env)
{
	return check_reg_arg(env, 1);
}

#ifdef CONFIG_BPF_JIT
static int fixup_call_args(struct bpf_verifier_env *env)
{
	return 0;
}
#else
static int fixup_call_args(struct bpf_verifier_env *env)
{
	return -EINVAL;
}
#endif

int bpf_check(struct bpf_prog **prog, union bpf_attr *attr)
{
	struct bpf_verifier_env *env;
	int ret;

	env = kzalloc(sizeof(struct bpf_verifier_env), GFP_KERNEL);
	if (!env)
		return -ENOMEM;
	ret = check_reg_arg(env, 0);
	if (!ret)
		ret = do_check(env);
	if (!ret)
		ret = fixup_call_args(env);
	kfree(env);
	return ret;
}
