"""The window's one mode: every action is asked for, and only the allowed moves happen."""
import pytest

from emoji_creator.modes import ALLOWED, MOVES, Mode, Modes


def test_each_mode_allows_only_its_actions():
    modes = Modes()
    assert modes == Mode.LOADING and modes.allows("save") and not modes.allows("pause")
    modes.go(Mode.LIVE)
    assert modes.allows("pause") and modes.allows("finder")
    modes.go(Mode.ENDED)
    assert not modes.allows("pause") and modes.allows("open")  # nothing left to pause
    modes.go(Mode.CLOSED)
    assert not any(modes.allows(a) for a in set().union(*ALLOWED.values()))  # a closing window does nothing


def test_only_the_listed_moves_happen():
    modes = Modes(Mode.ENDED)
    with pytest.raises(ValueError):
        modes.go(Mode.PAUSED)  # an ended source cannot be paused
    assert modes == Mode.ENDED
    modes.go(Mode.ENDED)  # staying is no move
    for mode, targets in MOVES.items():
        for target in Mode:
            m = Modes(mode)
            if target in targets or target is mode:
                m.go(target)
            else:
                with pytest.raises(ValueError):
                    m.go(target)
