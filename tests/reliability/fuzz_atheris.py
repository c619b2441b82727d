"""Coverage-guided fuzzing of the response parsers with atheris (optional; not part of ``make test``).

atheris is not a project dependency. To run it::

    .venv/bin/pip install atheris
    .venv/bin/python -m tests.reliability.fuzz_atheris -runs=200000

Each input picks a target SDK call, a status and a body; the call must return or raise an
:class:`~tenantlead.errors.APIError`. Anything else is a crash atheris reports with the input.
"""

from __future__ import annotations

import contextlib
import sys

from tenantlead import errors
from tests.reliability._targets import TARGETS, FixedAnswer, make_clients

_NAMES = sorted(TARGETS)
_STATUSES = (200, 201, 204, 400, 401, 402, 404, 406, 409, 422, 429, 500, 503)


def main() -> None:
    """Run atheris over every target."""
    import atheris  # type: ignore[import-not-found]

    answer = FixedAnswer()
    tc, sl = make_clients(answer)

    def one_input(data: bytes) -> None:
        fdp = atheris.FuzzedDataProvider(data)
        name = _NAMES[fdp.ConsumeIntInRange(0, len(_NAMES) - 1)]
        status = _STATUSES[fdp.ConsumeIntInRange(0, len(_STATUSES) - 1)]
        answer.set(status, fdp.ConsumeBytes(fdp.remaining_bytes()), {"content-type": "application/json"})
        with contextlib.suppress(errors.APIError):
            TARGETS[name](tc, sl)

    atheris.instrument_all()  # coverage feedback for tenantlead (already imported)
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
