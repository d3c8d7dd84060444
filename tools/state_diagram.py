"""Write the message state machine into docs/architecture.md from the transition table.

Usage: python tools/state_diagram.py   (tests/engine/test_states.py says when it is due)
"""

from __future__ import annotations

from pathlib import Path

from mmsua.engine.states import DOC_BEGIN, DOC_END, doc_section

DOC = Path(__file__).resolve().parent.parent / "docs" / "architecture.md"


def main() -> None:
    text = DOC.read_text()
    begin, end = text.index(DOC_BEGIN), text.index(DOC_END) + len(DOC_END)
    DOC.write_text(text[:begin] + doc_section() + text[end:])


if __name__ == "__main__":
    main()
