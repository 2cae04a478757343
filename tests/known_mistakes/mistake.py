from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation a student really writes; grading it must cost the points of `loses`."""
    name: str
    solution_cell: str  # grade id of the solution cell to replace
    source: str         # the wrong cell's whole source
    loses: tuple        # grade ids of test cells that must score less than full
