"""The window's folder actions: 'Save to…' (the folder Save and Record write into), Open folder, and a
click on a thumbnail of the strip. What the folder may be is SaveFolder's rule; this is its Tk side.

    folders = FolderActions(root, view, booth, save_folder)
    folders.choose(); folders.open_folder(); folders.open_picture(path)
"""
import os
import subprocess
import sys
from pathlib import Path
from tkinter import filedialog

from .dialogs import FolderDialog


def open_with_system(path):
    """Open a file or folder in the desktop's own viewer; returns None, or why it could not."""
    try:
        if sys.platform.startswith("win"):
            os.startfile(str(path))  # noqa: S606 (the user's own picture, by design)
        else:
            subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    except OSError:
        viewer = "" if sys.platform in ("darwin", "win32") else " (Linux: sudo apt install xdg-utils)"
        return f"no picture viewer found to open it{viewer}"
    return None


class FolderActions:
    """opener(path) opens a picture or folder (tests replace it); ask_directory is Browse…'s picker."""

    def __init__(self, root, view, booth, save_folder):
        self.root, self.view, self.booth, self.save_folder = root, view, booth, save_folder
        self.opener, self.ask_directory = open_with_system, filedialog.askdirectory
        self.save_to = None  # the 'Save to…' dialog while it is open

    def choose(self):
        """'Save to…': pick the folder Save and Record write into (remembered for the next start)."""
        if self.save_to is not None and self.save_to.open:
            self.save_to.top.lift()
            return
        self.save_to = FolderDialog(self.root, self.save_folder.path, self._accept_folder, self.ask_directory)
        self.view.say("Save to…: type a folder and press Enter, or Browse…")

    def _accept_folder(self, folder):
        """The dialog's choice: None when Save now writes there, else why not."""
        if (problem := self.booth.why_not("save_to")) is not None:
            return problem
        return None if self.set_save_dir(folder) else self.view.status_line.label.cget("text")

    def set_save_dir(self, folder):
        if (problem := self.save_folder.change(folder)) is not None:
            self.view.say(problem, error=True)
            return False
        self.view.strip.load(folder)
        self.view.say(f"Save now writes into {folder}")
        return True

    def open_picture(self, path):
        if not Path(path).exists():
            self.view.say(f"{Path(path).name} is no longer in {Path(path).parent}", error=True)
            return
        problem = self.opener(path)
        self.view.say(f"{problem}; the picture is saved as {path}" if problem else f"opened {Path(path).name}",
                 error=bool(problem))

    def open_folder(self):
        folder = self.save_folder.path
        if not folder.is_dir():
            self.view.say(f"nothing saved yet: {folder} is made by the first Save")
            return
        problem = self.opener(folder)
        self.view.say(f"{problem}; the pictures are in {folder}" if problem else f"opened {folder}", error=bool(problem))
