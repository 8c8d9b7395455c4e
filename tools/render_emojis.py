"""Render emojis/<class>.png from Debian's Noto Color Emoji font (apt install fonts-noto-color-emoji).

    python tools/render_emojis.py [--font /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf]

Run once by a maintainer; the PNGs are committed, so users never need the font.
"""
import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from emoji_creator import CLASSES, EMOJI_DIR  # noqa: E402

CODEPOINTS = {"angry": "\U0001F620", "disgust": "\U0001F922", "fear": "\U0001F628", "happy": "\U0001F604",
              "neutral": "\U0001F610", "sad": "\U0001F622", "surprise": "\U0001F62E"}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--font", default="/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
    p.add_argument("--size", type=int, default=256, help="output edge in pixels")
    args = p.parse_args(argv)
    font = ImageFont.truetype(args.font, 109)  # the one bitmap size the colour font carries
    for name in CLASSES:
        canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
        ImageDraw.Draw(canvas).text((10, 10), CODEPOINTS[name], font=font, embedded_color=True)
        glyph = canvas.crop(canvas.getbbox())
        side = max(glyph.size)
        square = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        square.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
        square.resize((args.size, args.size), Image.LANCZOS).save(EMOJI_DIR / f"{name}.png", optimize=True)
        print(EMOJI_DIR / f"{name}.png")


if __name__ == "__main__":
    from emoji_creator import run_tool

    sys.exit(run_tool(main))
