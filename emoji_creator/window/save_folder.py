"""Where Save and Record write: the folder, checked against what the window reads, remembered.

    folder = SaveFolder(Path("save"), reads=lambda: [("the source", path)], remember=settings_write)
    path = folder.save(picture_bgr)      # a new name, never over another; UserError says why not
    problem = folder.change(Path("~/Pictures"))   # None once Save writes there, else why not
"""
import tempfile

from .. import UserError
from ..files import check_writes
from ..recording import LEFTOVERS
from ..saving import advice, clean_leftovers, save_picture

# How a window user picks another folder (the command line's advice names --save-dir).
PICK_FOLDER = "click 'Save to…' to choose another folder"


class SaveFolder:
    """The save folder. reads(): [(name, path)] the window reads now (never to be saved into);
    remember(path): keeps a newly chosen folder for the next start (None: nothing is kept)."""

    def __init__(self, path, reads, remember=None):
        self.path, self.reads, self.remember = path, reads, remember
        self.saved = []  # every picture saved this run
        self.clean(path)

    @staticmethod
    def clean(folder):
        """What a killed save or recording left there (hidden temporary files), as at start-up."""
        clean_leftovers(folder)
        clean_leftovers(folder, LEFTOVERS)

    def check(self, folder=None):
        """UserError when pictures saved into folder would land among what the window reads."""
        try:
            check_writes([("the save folder", folder or self.path)], self.reads())
        except UserError as exc:
            raise UserError(f"{exc} with 'Save to…'") from None

    def save(self, picture):
        self.check()
        path = save_picture(picture, self.path, elsewhere=PICK_FOLDER)
        self.saved.append(path)
        return path

    def change(self, folder):
        """Save writes into folder from now on; None when it does, else why not (nothing changes)."""
        try:
            self.check(folder)
        except UserError as exc:
            return str(exc)
        try:  # refused now, not at the next Save
            folder.mkdir(parents=True, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            return f"cannot save into {folder} ({exc.strerror or exc}): {advice(exc, PICK_FOLDER)}"
        self.path = folder
        self.clean(folder)
        if self.remember is not None:
            self.remember(folder)
        return None
