"""No foreign output: no interleaving with BPF program output.

Nothing a BPF program wrote appears in the explanation the caller
retrieves (Andrii: "some BPF programs might interleave its log output with
syscall's output").
"""

from einval.lang import And
from einval.model import Condition
from einval.property import Property
from einval.writers import PROGRAM


class NoForeignOutput(Property):
    name = "no-foreign-output"
    summary = "nothing a BPF program wrote appears in a call's message"
    order = 20

    def conditions(self, world):
        programs = world.writers.tags(world.writers.of_kind(PROGRAM))
        for call in world.writers.calls():
            yield Condition(
                f"no BPF program output in the explanation of {call}",
                And(slot != tag for slot in world.got(call) for tag in programs),
            )
