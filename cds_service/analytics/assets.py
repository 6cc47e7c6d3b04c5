"""The page's static files: our script and stylesheet, and Plotly's bundle from the installed package.

Plotly normally injects its stylesheet at run time with inline <style> rules, which the page's
Content-Security-Policy forbids; it then warns and draws without them (the plot's layers are not
stacked). Its rules are a literal object in the bundle, so the same rules are read from the installed
plotly.min.js once and served as plotly.css: the charts look as Plotly intends, under a strict policy.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

HERE = Path(__file__).parent / "static"
OWN = {"analytics.js": "text/javascript", "analytics.css": "text/css"}
# '"X,X div":"...",...' up to the loop that installs the rules, in the minified bundle
_RULES = re.compile(r'\{("X,X div":.*?)\};for\(', re.DOTALL)
_PAIR = re.compile(r"""("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")


@lru_cache(maxsize=1)
def plotly_js() -> bytes:
    return resources.files("plotly").joinpath("package_data", "plotly.min.js").read_bytes()


@lru_cache(maxsize=1)
def plotly_css() -> bytes:
    """Plotly's own stylesheet, from the rules object in its bundle ('X' = a plot, 'Y' = a notifier)."""
    found = _RULES.search(plotly_js().decode("utf-8"))
    if found is None:
        return b"/* plotly's style rules were not found in this version of plotly.min.js */\n"
    css = []
    for key, value in _PAIR.findall(found.group(1)):
        selector = (
            re.sub(r"^,", " ,", key[1:-1]).replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        )
        css.append(f"{selector}{{{value[1:-1]}}}")
    return ("\n".join(css) + "\n").encode()


def asset(name: str) -> tuple[bytes, str] | None:
    """(body, mimetype) of an asset, or None."""
    if name == "plotly.min.js":
        return plotly_js(), "text/javascript"
    if name == "plotly.css":
        return plotly_css(), "text/css"
    if name in OWN:
        return (HERE / name).read_bytes(), OWN[name]
    return None
