"""No foreign output: no interleaving with BPF program output.

Nothing a BPF program wrote appears in the explanation the caller
retrieves (Andrii: "some BPF programs might interleave its log output with
syscall's output").
"""

from einval.lang import And
from einval.model import Condition
from einval.property import Property


class NoForeignOutput(Property):
    name = "no-foreign-output"
    summary = "nothing a BPF program wrote appears in a call's message"
    order = 20

    def conditions(self, world):
        programs = sorted(world.program_tags.values())
        for call in world.calls:
            yield Condition(
                f"no BPF program output in the explanation of {call}",
                And(slot != tag for slot in world.got(call) for tag in programs),
            )
