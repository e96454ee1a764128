"""The timeline's colours under colour-vision deficiency (ui/figures.py).

Each check simulates how a colour looks with deuteranopia, protanopia and tritanopia (Machado,
Oliveira and Fernandes 2009, at full severity, as `colorspacious` implements it) and with normal
vision, and measures the perceptual distance between two colours as the CIECAM02-UCS colour
difference (Luo, Cui and Li 2006), taking the smallest of the four visions.

Why MIN_DELTA_E = 10: one unit of CAM02-UCS is about one just-noticeable difference between two
large patches side by side. A chart's marks are small and apart (a bar in one row, its legend
swatch far off), and the difference needed grows several-fold as marks get small (Szafir 2017,
"Modeling Color Difference for Visualization Design"); 10 keeps that margin. The published
colour-blind-safe sets clear it, measured here (Okabe-Ito, 11.0; the first eight of Paul Tol's
muted, 12.3; Petroff's 10-colour sequence, 14.5), while Tableau-10, the tenant palette before,
has a pair 1.4 apart with deuteranopia: about one just-noticeable difference, the same colour.

Why MIN_BACKGROUND_DELTA_E = 20: the theme follows the user's setting, so every mark sits on
white or on Streamlit's dark background (#0E1117); 20 units keep a thin bar or a marker plainly
visible on both (the pale band #E3F2FD drawn before is 7 units from white with protanopia).
"""

import itertools

import numpy as np
import pytest

from colorspacious import cspace_convert, deltaE

from ui import figures

MIN_DELTA_E = 10.0
MIN_BACKGROUND_DELTA_E = 20.0
BACKGROUNDS = {"light": "#FFFFFF", "dark": "#0E1117"}   # Streamlit's light and dark themes

VISIONS = {
    "normal vision": None,
    "deuteranopia": {"name": "sRGB1+CVD", "cvd_type": "deuteranomaly", "severity": 100},
    "protanopia": {"name": "sRGB1+CVD", "cvd_type": "protanomaly", "severity": 100},
    "tritanopia": {"name": "sRGB1+CVD", "cvd_type": "tritanomaly", "severity": 100},
}

TENANTS = figures.PALETTE[:8]
BANDS = {kind: color for kind, (color, _) in figures.SPAN_STYLE.items()}
SYSTEM = {kind: color for kind, (color, _) in figures.SYSTEM_STYLE.items()}
MARKERS = {kind: style[1] for kind, style in figures.MARKER_STYLE.items()}


def seen(hex_color: str, vision: str) -> np.ndarray:
    """The colour (sRGB, 0-1) as someone with ``vision`` sees it."""
    h = hex_color.lstrip("#")
    rgb = np.array([int(h[i:i + 2], 16) / 255 for i in (0, 2, 4)])
    cvd = VISIONS[vision]
    return rgb if cvd is None else np.clip(cspace_convert(rgb, cvd, "sRGB1"), 0, 1)


def distance(a: str, b: str) -> tuple[float, str]:
    """The smallest CAM02-UCS difference between two colours over the four visions, and the
    vision where it is smallest."""
    return min((float(deltaE(seen(a, v), seen(b, v), input_space="sRGB1",
                             uniform_space="CAM02-UCS")), v) for v in VISIONS)


def too_close(pairs, threshold=MIN_DELTA_E) -> list[str]:
    """The pairs (name, colour, name, colour) closer than ``threshold``, in words."""
    out = []
    for na, a, nb, b in pairs:
        d, vision = distance(a, b)
        if d < threshold:
            out.append(f"{na} {a} / {nb} {b}: {d:.1f} with {vision}")
    return out


def test_the_simulation_sees_a_known_confusion():
    """Tableau's green and red, which a deuteranope confuses, fall under the threshold; with
    normal vision they are far apart: the checks below can fail."""
    green, red = "#54A24B", "#E45756"
    assert distance(green, red) == (pytest.approx(1.4, abs=0.1), "deuteranopia")
    normal = deltaE(seen(green, "normal vision"), seen(red, "normal vision"),
                    input_space="sRGB1", uniform_space="CAM02-UCS")
    assert normal > 3 * MIN_DELTA_E


def test_eight_tenant_colours_then_the_palette_cycles():
    assert len(figures.PALETTE) >= 8
    names = [f"t{i}" for i in range(len(figures.PALETTE) + 1)]
    colors = figures.tenant_colors(names)
    assert len(set(colors[n] for n in names[:8])) == 8
    assert colors[names[-1]] == figures.PALETTE[0]


def test_the_first_eight_tenant_colours_are_distinct_with_colour_blindness():
    pairs = [(f"tenant {i}", a, f"tenant {j}", b)
             for (i, a), (j, b) in itertools.combinations(enumerate(TENANTS), 2)]
    assert too_close(pairs) == []


def test_no_tenant_colour_looks_like_a_session_band_or_system_work():
    others = {**{f"band {k}": c for k, c in BANDS.items()},
              **{f"system {k}": c for k, c in SYSTEM.items()}}
    assert {c.upper() for c in TENANTS}.isdisjoint(c.upper() for c in others.values())
    pairs = [(f"tenant {i}", a, name, b) for i, a in enumerate(TENANTS)
             for name, b in others.items()]
    assert too_close(pairs) == []


def test_session_bands_are_distinct_from_each_other():
    """Open, running, reserved idle, inactive and batch active follow each other in one row."""
    pairs = [(f"band {a}", BANDS[a], f"band {b}", BANDS[b])
             for a, b in itertools.combinations(BANDS, 2)]
    assert too_close(pairs) == []


def test_session_markers_stand_out_on_every_band():
    """A marker sits on its session's band, whichever band it is."""
    pairs = [(f"marker {m}", mc, f"band {b}", bc) for m, mc in MARKERS.items()
             for b, bc in BANDS.items()]
    assert too_close(pairs) == []


def test_backend_lines_are_distinct_and_none_looks_like_a_tenant():
    lines = figures.BACKEND_LINE_COLORS
    pairs = [(f"line {i}", a, f"line {j}", b)
             for (i, a), (j, b) in itertools.combinations(enumerate(lines), 2)]
    pairs += [(f"line {i}", a, f"tenant {j}", b) for i, a in enumerate(lines)
              for j, b in enumerate(TENANTS)]
    assert too_close(pairs) == []


@pytest.mark.parametrize("theme", list(BACKGROUNDS))
def test_every_colour_shows_on_light_and_dark_backgrounds(theme):
    """The theme follows the user's setting: no bar, band, marker or line may vanish into the
    white or the dark background."""
    drawn = {**{f"tenant {i}": c for i, c in enumerate(TENANTS)},
             **{f"band {k}": c for k, c in BANDS.items()},
             **{f"system {k}": c for k, c in SYSTEM.items()},
             **{f"marker {k}": c for k, c in MARKERS.items()},
             **{f"line {i}": c for i, c in enumerate(figures.BACKEND_LINE_COLORS)}}
    pairs = [(name, c, f"{theme} background", BACKGROUNDS[theme]) for name, c in drawn.items()]
    assert too_close(pairs, MIN_BACKGROUND_DELTA_E) == []
