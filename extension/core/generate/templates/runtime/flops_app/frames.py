"""The frames of a traceback that are the user's own code, for messages that name the user's file
and line (the learner host's ``LearnerError``, ``flops_app.check``)."""

import os
import sysconfig
import traceback
from typing import List, Tuple

APP_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GENERATED = [os.path.join(APP_ROOT, "flops_app"), os.path.join(APP_ROOT, "flops_utils")]
_STDLIB = [os.path.abspath(p) for p in {sysconfig.get_path("stdlib"), sysconfig.get_path("platstdlib")} if p]


def inside(path: str, folder: str) -> bool:
    return path.startswith(folder + os.sep)


def user_frames(tb) -> List[Tuple[str, int]]:
    """(absolute path, line) of every frame, outermost first, that is not in this generated app's
    packages, the standard library or an installed package (site-/dist-packages), nor ``<string>``."""
    frames = []
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if frame.filename.startswith("<") or "site-packages" in path or "dist-packages" in path:
            continue
        if any(inside(path, folder) for folder in _GENERATED + _STDLIB):
            continue
        frames.append((path, frame.lineno))
    return frames
