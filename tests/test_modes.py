"""The booth without a display: every action in every mode either is allowed or answered with what
to do instead, and only the listed events move it."""
import pytest

from emoji_creator.sources import ANIMATION, CAMERA, STILL, STILLS, VIDEO
from emoji_creator.window.booth import ACTIONS, ALLOWED, Booth, Mode


def booth_in(mode, kind=VIDEO):
    """A booth brought to `mode` by events alone, as the window brings it there."""
    booth = Booth(clock=lambda: 0.0)
    if mode is Mode.LOADING:
        booth.event("source_opened", kind=kind)
        return booth
    booth.event("source_opened", kind=kind)
    booth.event("model_loaded")
    if mode is Mode.PAUSED:
        booth.event("pause")
    elif mode is Mode.COUNTDOWN:
        booth.event("countdown_started", seconds=3)
    elif mode is Mode.RECORDING:
        booth.event("recording_started")
    elif mode is Mode.ENDED:
        booth.event("source_ended")
    elif mode is Mode.CLOSED:
        booth.event("close")
    return booth


def test_each_mode_allows_only_its_actions():
    booth = booth_in(Mode.LOADING)
    assert booth.mode is Mode.LOADING and booth.allows("save") and not booth.allows("pause")
    booth.event("model_loaded")
    assert booth.mode is Mode.LIVE and booth.allows("pause") and booth.allows("finder")
    booth.event("source_ended")
    assert booth.mode is Mode.ENDED and not booth.allows("pause") and booth.allows("open")  # nothing left to pause
    booth.event("close")
    assert not any(booth.allows(a) for a in ACTIONS)  # a closing window does nothing


MODES_AND_KINDS = [(Mode.LOADING, VIDEO), (Mode.LIVE, VIDEO), (Mode.LIVE, CAMERA), (Mode.LIVE, ANIMATION),
                   (Mode.PAUSED, VIDEO), (Mode.STILL, STILL), (Mode.STILL, STILLS), (Mode.COUNTDOWN, VIDEO),
                   (Mode.COUNTDOWN, STILLS), (Mode.RECORDING, CAMERA), (Mode.ENDED, VIDEO)]


@pytest.mark.parametrize("mode,kind", MODES_AND_KINDS, ids=lambda v: getattr(v, "value", v))
def test_every_action_in_every_mode_is_allowed_or_says_what_to_do(mode, kind):
    booth = booth_in(mode, kind)
    assert booth.mode is mode
    for action in ACTIONS:
        why = booth.why_not(action)
        assert why is None or (isinstance(why, str) and len(why) > 15 and why != action), (mode, kind, action, why)
        assert (why is None) == booth.allows(action)


def test_the_answers_name_what_to_do_instead():
    assert "moving picture" in booth_in(Mode.STILL, STILL).why_not("record")
    assert "Space resumes" in booth_in(Mode.PAUSED).why_not("record")
    assert "camera cannot pause" in booth_in(Mode.LIVE, CAMERA).why_not("pause")
    assert "photo" in booth_in(Mode.STILL, STILL).why_not("pause")
    assert "stop the recording first" in booth_in(Mode.RECORDING).why_not("open")
    assert "stop the recording first" in booth_in(Mode.RECORDING).why_not("timer")
    assert "self-timer" in booth_in(Mode.COUNTDOWN).why_not("open")
    assert "folder of photos" in booth_in(Mode.LIVE).why_not("next")
    assert booth_in(Mode.STILL, STILLS).allows("next") and booth_in(Mode.STILL, STILLS).allows("previous")


def test_sources_decide_where_the_booth_rests():
    for kind, mode in ((VIDEO, Mode.LIVE), (CAMERA, Mode.LIVE), (ANIMATION, Mode.LIVE), (STILL, Mode.STILL),
                       (STILLS, Mode.STILL)):
        assert booth_in(Mode.LIVE, kind).mode is mode
    booth = booth_in(Mode.COUNTDOWN)
    booth.event("source_ended")  # the countdown goes on, and comes back to the new state
    assert booth.mode is Mode.COUNTDOWN
    booth.event("countdown_over")
    assert booth.mode is Mode.ENDED
    booth = booth_in(Mode.RECORDING)
    booth.event("source_opened", kind=VIDEO)  # --loop: the same file again, recording on
    assert booth.mode is Mode.RECORDING
    booth.event("source_ended")
    assert booth.mode is Mode.ENDED


def test_only_the_listed_events_move_it():
    booth = booth_in(Mode.ENDED)
    with pytest.raises(ValueError):
        booth.event("pause")  # an ended source cannot be paused
    assert booth.mode is Mode.ENDED
    with pytest.raises(ValueError):
        booth.event("recording_started")
    with pytest.raises(ValueError):
        booth.event("no_such_event")
    seen = []
    booth.listen(lambda b: seen.append(b.mode))
    booth.event("source_opened", kind=STILLS)
    assert seen == [Mode.STILL] and set(ALLOWED) == set(Mode)
