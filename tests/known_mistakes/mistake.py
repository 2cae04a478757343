from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """A wrong implementation a student really writes; grading it must cost the points of `loses`."""
    name: str
    solution_cell: str  # grade id of the solution cell to replace
    source: str         # the wrong cell's whole source
    loses: tuple        # grade ids of test cells that must score less than full
    # What the failing tests must say: a text every test of `loses` shows in its message, or pairs
    # (grade id, text) for tests that say different things. Empty: only the points are checked.
    says: str | tuple = ""

    def expected_messages(self):
        """{grade id: text its message must contain}."""
        if isinstance(self.says, str):
            return {grade_id: self.says for grade_id in self.loses} if self.says else {}
        return dict(self.says)


@dataclass(frozen=True)
class RightVariant:
    """A correct implementation unlike the reference (it changes its own copy of an input, say): full points."""
    name: str
    solution_cell: str
    source: str
