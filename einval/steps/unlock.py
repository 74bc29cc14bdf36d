"""``unlock MUTEX``: the path releases a mutex it took with ``sleep MUTEX``.

Stands for ``mutex_unlock`` (``cgroup_unlock()`` after
``__cgroup_bpf_attach`` returns): from here on another task may take it.
"""

from __future__ import annotations

from . import Step


class Unlock(Step):
    keyword = "unlock"
    summary = "releases a mutex taken earlier on the path"
    arguments = ("mutex",)

    def check(self, path, index):
        name = self.args["mutex"]
        if not any(step.args.get("mutex") == name for step in path[:index]
                   if step.keyword == "sleep"):
            raise self.where.fail(f"path step 'unlock {name}': {name} is not taken "
                                  f"before it (add 'sleep {name}')")

    def instructions(self, world, program, call, number):
        name = self.args["mutex"]

        def act(site):
            site.action(f"releases {name}", world.mutex(name).release(site.ctx.task))

        self.one(program, call, f"unlock {name}", act)
