"""The one error type a sheet can raise: it always names the file, and the question and line
when they are known, so a quarantined sheet can be fixed without re-reading it."""
from __future__ import annotations


class SheetError(ValueError):
    def __init__(self, file: str, reason: str, question: int | None = None, line: int | None = None):
        self.file = file
        self.reason = reason
        self.question = question
        self.line = line
        where = [file]
        if question is not None:
            where.append(f"Q{question}")
        if line is not None:
            where.append(f"line {line}")
        super().__init__(f"{', '.join(where)}: {reason}")

    def __reduce__(self) -> tuple:
        # rebuilt from its fields: the default (the message as the only argument) cannot be
        # passed back to __init__, so an error sent between processes would not unpickle
        return SheetError, (self.file, self.reason, self.question, self.line)

    def as_record(self) -> dict:
        return {"file": self.file, "question": self.question, "line": self.line, "reason": self.reason}
