"""The status line and the 'Save to…' dialog.

    status = StatusLine(outer)           # status.say("saved …"), status.say("…", error=True)
    FolderDialog(root, folder, accept, browse)
"""
import tkinter as tk
from pathlib import Path
from tkinter import ttk

STATUS_H = 44  # two lines of the status font: long messages wrap inside, never resize the window


class FolderDialog:
    """'Save to…': a small window with the folder as text (Enter takes it), Browse… (the desktop's own
    folder picker, whose choice is taken at once) and Cancel (Esc). accept(Path) returns None when
    the folder is taken, else why not (shown in the dialog, which stays open)."""

    def __init__(self, root, folder, accept, browse):
        self.accept, self.browse_with = accept, browse
        self.top = tk.Toplevel(root)
        self.top.title("Save pictures to…")
        self.top.transient(root)
        self.top.protocol("WM_DELETE_WINDOW", self.close)
        body = ttk.Frame(self.top, padding=10)
        body.grid(sticky="nsew")
        ttk.Label(body, text="Save pictures and recordings into this folder (Enter takes it):").grid(
            row=0, column=0, columnspan=3, sticky="w")
        self.folder = tk.StringVar(self.top, value=str(folder))
        self.entry = ttk.Entry(body, textvariable=self.folder, width=50)
        self.entry.grid(row=1, column=0, columnspan=3, sticky="ew", pady=6)
        self.error = ttk.Label(body, text="", style="Error.TLabel", wraplength=420)
        self.error.grid(row=2, column=0, columnspan=3, sticky="w")
        self.browse_button = ttk.Button(body, text="Browse…", command=self.browse)
        self.ok_button = ttk.Button(body, text="Save here", command=self.ok, default="active")
        self.cancel_button = ttk.Button(body, text="Cancel", command=self.close)
        for col, b in enumerate((self.browse_button, self.ok_button, self.cancel_button)):
            b.grid(row=3, column=col, padx=3, pady=(6, 0), sticky="ew")
        self.entry.bind("<Return>", lambda e: self.ok())
        self.entry.bind("<KP_Enter>", lambda e: self.ok())
        self.top.bind("<Escape>", lambda e: self.close())
        self.entry.focus_set()
        self.entry.icursor("end")

    @property
    def open(self):
        try:
            return bool(self.top.winfo_exists())
        except tk.TclError:
            return False

    def ok(self):
        text = self.folder.get().strip()
        if not text:
            self.error.configure(text="type a folder, or click Browse…")
            return
        problem = self.accept(Path(text).expanduser())
        if problem is None:
            self.close()
        else:
            self.error.configure(text=problem)

    def browse(self):
        chosen = self.browse_with(parent=self.top, title="Save pictures to…", initialdir=self.folder.get(),
                                  mustexist=False)
        if chosen:
            self.folder.set(chosen)
            self.ok()

    def close(self):
        if self.open:
            self.top.destroy()


class StatusLine:
    """One line of news at a fixed height: its text wraps at whatever width the window has."""

    def __init__(self, parent):
        self.box = ttk.Frame(parent, height=STATUS_H)
        self.box.grid_propagate(False)
        self.box.columnconfigure(0, weight=1)
        self.label = ttk.Label(self.box, text="", style="Status.TLabel", anchor="nw", justify="left")
        self.label.grid(row=0, column=0, sticky="nsew")
        self.box.bind("<Configure>", lambda e: self.label.configure(wraplength=max(100, e.width - 4)))

    def say(self, text, error=False):
        self.label.configure(text=text, style="Error.TLabel" if error else "Status.TLabel")
