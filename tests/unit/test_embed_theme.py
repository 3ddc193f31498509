"""The widgets' pinned themes (static/css/embed.css) are the site's own two palettes: a colour changed in app.css
or table.css, and not in embed.css, would give theme=dark a different dark from the one readers see here."""

import re
from pathlib import Path

CSS = Path(__file__).resolve().parent.parent.parent / "static" / "css"
DECLARATION = re.compile(r"(--[\w-]+):\s*([^;]+);")


def variables(block: str) -> dict[str, str]:
    return dict(DECLARATION.findall(block))


def palettes(name: str) -> tuple[dict[str, str], dict[str, str]]:
    """A stylesheet's :root variables (light) and those its prefers-color-scheme: dark block changes."""
    css = (CSS / name).read_text()
    dark = re.search(r"@media \(prefers-color-scheme: dark\)\s*\{\s*:root\s*\{(.*?)\}\s*\}", css, re.S).group(1)
    light = re.search(r"^:root\s*\{(.*?)^\}", css, re.S | re.M).group(1)
    return variables(light), variables(dark)


def pinned(theme: str) -> dict[str, str]:
    css = (CSS / "embed.css").read_text()
    return variables(re.search(rf':root\[data-theme="{theme}"\]\s*\{{(.*?)\}}', css, re.S).group(1))


def test_the_pinned_themes_are_the_site_palettes():
    light, dark = {}, {}
    for name in ("app.css", "table.css"):
        sheet_light, sheet_dark = palettes(name)
        dark.update(sheet_dark)
        # Only what the dark block changes needs pinning back to light; the rest is the same in both.
        light.update({key: sheet_light[key] for key in sheet_dark})
    assert pinned("dark") == dark
    assert pinned("light") == light
