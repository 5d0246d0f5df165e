"""Every place the public stylesheets use the brand colour stays readable (WCAG 2 AA).

The pairings come from the stylesheets themselves: each rule in static/css/site.css and
forms.css that uses ``var(--brand…)`` is resolved against the brand stylesheet home/brand.py
serves for each demo site's colour (from home/setup.py's demo company settings), then:

- ``color`` (text) is checked against the rule's own background, else the background of the
  rules for the same element in its other states and of its ancestors named in the selector,
  else every light background text sits on in the stylesheets: at least 4.5:1;
- ``background`` under text set in the same or the element's base rule: the same 4.5:1;
- borders, outlines and icons (``::before`` backgrounds) against the background they sit
  on: at least 3:1 (WCAG 1.4.11, non-text contrast).

A ``:hover`` or ``:focus-visible`` rule is checked with what it inherits from the element's
base rules, so a hover background that leaves the text colour alone is caught, and so is any
class combination the templates use (``button button--secondary``).
"""

import re
from pathlib import Path

import pytest

from home import demo_content
from home.brand import brand_stylesheet, contrast_ratio

ROOT = Path(__file__).resolve().parents[2]
STYLESHEETS = [ROOT / "static/css/site.css", ROOT / "static/css/forms.css"]
TEMPLATES = ROOT / "templates"
STATES = (":hover", ":focus-visible", ":focus")
TEXT, NON_TEXT = 4.5, 3.0


def parse_rules(css):
    """``[(selector, {property: value})]`` in order, @media blocks flattened."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = []
    for match in re.finditer(r"([^{}]+)\{([^{}]*)\}", css):
        prelude, body = match.group(1).strip(), match.group(2)
        prelude = re.sub(r"^@media[^{]*\{", "", prelude).strip()
        if prelude.startswith("@") or not prelude:
            continue
        declarations = {}
        for declaration in body.split(";"):
            if ":" in declaration:
                name, value = declaration.split(":", 1)
                declarations[name.strip()] = value.strip()
        for selector in prelude.split(","):
            rules.append((" ".join(selector.split()), declarations))
    return rules


def resolve(value, variables):
    """``value`` with ``var(--x)`` (and ``var(--x, fallback)``) replaced, repeatedly."""
    for _ in range(10):
        new = re.sub(
            r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*(?:\([^()]*\))?[^()]*))?\)",
            lambda m: variables.get(m.group(1), m.group(2) or ""),
            value,
        )
        if new == value:
            break
        value = new
    return value


def colour_in(value):
    """The first ``#rgb``/``#rrggbb`` (or white/black) in a CSS value, as ``#rrggbb``."""
    match = re.search(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b|\b(white|black)\b", value or "")
    if not match:
        return None
    if match.group(2):
        return {"white": "#ffffff", "black": "#000000"}[match.group(2)]
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.lower()


def background_of(declarations, variables):
    for name in ("background-color", "background"):
        if name in declarations:
            return colour_in(resolve(declarations[name], variables))
    return None


def strip_states(selector):
    for state in STATES:
        selector = selector.replace(state, "")
    return selector


def compound_classes(compound):
    return set(re.findall(r"\.([\w-]+)", compound))


def template_class_sets():
    """Every static class combination in the templates (``{"button", "button--secondary"}``)."""
    sets = []
    for path in TEMPLATES.rglob("*.html"):
        for value in re.findall(r'class="([^"{]*)"', path.read_text()):
            classes = set(value.split())
            if classes:
                sets.append(classes)
    return sets


def specificity(selector):
    ids = selector.count("#")
    classes = len(re.findall(r"\.[\w-]+|\[[^\]]*\]|:(?!:)[\w-]+", selector))
    tags = len(re.findall(r"(?:^|[\s>+~])([a-z][\w-]*)", selector)) + selector.count("::")
    return (ids, classes, tags)


def parse_compound(compound):
    """``(tag, classes, pseudo-classes, pseudo-element)`` of one compound selector."""
    element = ""
    if "::" in compound:
        compound, element = compound.split("::", 1)
    tag = re.match(r"[a-z][\w-]*", compound)
    classes = set(re.findall(r"\.([\w-]+)", compound))
    states = set(re.findall(r"(?<!:):([\w-]+)", re.sub(r"\[[^\]]*\]", "", compound)))
    return (tag.group(0) if tag else None, classes, states, element)


class Element:
    """An element the templates make: its tag and classes, inside ancestors with classes."""

    def __init__(self, tag, classes, ancestors=frozenset()):
        self.tag, self.classes, self.ancestors = tag, frozenset(classes), frozenset(ancestors)

    def __repr__(self):
        inside = f" in .{'.'.join(sorted(self.ancestors))}" if self.ancestors else ""
        classes = "".join(f".{c}" for c in sorted(self.classes))
        return f"{self.tag or ''}{classes}{inside}"


class Sheet:
    def __init__(self, brand_colour, css=None):
        if css is None:
            css = "\n".join(path.read_text() for path in STYLESHEETS)
        self.rules = [
            (order, selector, declarations)
            for order, (selector, declarations) in enumerate(parse_rules(css))
        ]
        # What /brand/<colour>.css sets comes last and wins, as in base.html.
        self.variables = {}
        for selector, declarations in parse_rules(css) + parse_rules(
            brand_stylesheet(brand_colour)
        ):
            if selector == ":root":
                self.variables.update(
                    {k: v for k, v in declarations.items() if k.startswith("--")}
                )
        for name, value in list(self.variables.items()):
            self.variables[name] = resolve(value, self.variables)

    def colour(self, value):
        return colour_in(resolve(value, self.variables)) if value else None

    def light_backgrounds(self):
        """--bg, --surface and the backgrounds of rules that leave the text colour as
        inherited (where page text, and so a link, can sit)."""
        text = self.variables["--text"]
        found = {self.variables["--bg"], self.variables["--surface"]}
        for _order, _selector, declarations in self.rules:
            colour = background_of(declarations, self.variables)
            if colour and "color" not in declarations and contrast_ratio(colour, text) >= TEXT:
                found.add(colour)
        return found

    def applies(self, selector, element, state, part):
        compounds = selector.replace(">", " ").split()
        tag, classes, states, pseudo_element = parse_compound(compounds[-1])
        if pseudo_element != part or (tag and element.tag and tag != element.tag):
            return False
        if tag and not element.tag:
            return False
        if not classes <= element.classes or not states <= state:
            return False
        for ancestor in compounds[:-1]:
            _tag, ancestor_classes, ancestor_states, _el = parse_compound(ancestor)
            if not ancestor_classes or not ancestor_classes <= element.ancestors:
                return False
            if not ancestor_states <= state:
                return False
        return True

    def computed(self, element, state, part=""):
        """``{property: (value, selector)}`` after the cascade (specificity, then order)."""
        winners = {}
        matching = [
            (specificity(selector), order, selector, declarations)
            for order, selector, declarations in self.rules
            if selector != ":root" and self.applies(selector, element, state, part)
        ]
        for _spec, _order, selector, declarations in sorted(matching):
            for name, value in declarations.items():
                winners[name] = (value, selector)
                if name == "background":
                    winners.pop("background-color", None)
                if name == "border":
                    winners.pop("border-color", None)
        return winners

    def elements(self):
        """Every element the brand rules can reach: the templates' class combinations that
        contain a class those rules name, and each named context (``.call--emergency``)."""
        brand_classes, contexts = set(), set()
        for _order, selector, declarations in self.rules:
            if any("var(--brand" in value for value in declarations.values()):
                compounds = selector.replace(">", " ").split()
                brand_classes |= parse_compound(compounds[-1])[1]
                for ancestor in compounds[:-1]:
                    contexts.add(frozenset(parse_compound(ancestor)[1]))
        found = [Element("a", ()), Element("button", ())]
        for path in TEMPLATES.rglob("*.html"):
            if "admin" in path.relative_to(TEMPLATES).parts[:-1]:
                continue  # the Wagtail admin has its own stylesheets
            text = path.read_text()
            for tag, value in re.findall(r'<([a-z][\w-]*)[^>]*?\sclass="([^"{]*)"', text):
                classes = set(value.split())
                if classes & brand_classes:
                    found.append(Element(tag, classes))
        # Descendants the rules style inside a context (``.call--emergency .call__number``).
        for _order, selector, _declarations in self.rules:
            compounds = selector.replace(">", " ").split()
            if len(compounds) > 1:
                ancestors = set()
                for ancestor in compounds[:-1]:
                    ancestors |= parse_compound(ancestor)[1]
                tag, classes, _states, _el = parse_compound(compounds[-1])
                found.append(Element(tag, classes, ancestors))
        unique = {(e.tag, e.classes, e.ancestors): e for e in found}
        return list(unique.values())

    def container_background(self, element, state):
        """The background around ``element``: its ancestors' (as the rules name them)."""
        for classes in sorted(element.ancestors):
            box = self.computed(Element(None, {classes}), state)
            value = box.get("background-color", box.get("background"))
            if value:
                return {self.colour(value[0])}
        return None

    def pairings(self):
        """``[(where, foreground, background, minimum)]`` for every use of the brand colour."""
        found = []
        light = self.light_backgrounds()
        for element in self.elements():
            for state in (set(), {"hover"}, {"focus-visible"}):
                style = self.computed(element, state)
                label = f"{element}{''.join(':' + s for s in sorted(state))}"
                bg_value = style.get("background-color", style.get("background"))
                own_bg = self.colour(bg_value[0]) if bg_value else None
                around = self.container_background(element, state) or light
                backgrounds = {own_bg} if own_bg else around
                fg_value = style.get("color")
                foreground = self.colour(fg_value[0]) if fg_value else self.variables["--text"]
                brand_fg = bool(fg_value) and "var(--brand" in fg_value[0]
                brand_bg = bool(bg_value) and "var(--brand" in bg_value[0]
                if brand_fg or brand_bg:
                    sources = f"color from {fg_value and fg_value[1]}, "
                    sources += f"background from {bg_value and bg_value[1]}"
                    where = f"{label} {{{sources}}}"
                    for background in backgrounds:
                        found.append((where, foreground, background, TEXT))
                if brand_bg:
                    for background in around:  # the button or bar against its surroundings
                        found.append(
                            (f"{label} edge ({bg_value[1]})", own_bg, background, NON_TEXT)
                        )
                for name, (value, selector) in style.items():
                    if name.startswith(("border", "outline")) and "var(--brand" in value:
                        colour = self.colour(value)
                        for background in around:  # the line against what it sits on
                            found.append(
                                (f"{label} {name} ({selector})", colour, background, NON_TEXT)
                            )
                icon = self.computed(element, state, part="before")
                icon_value = icon.get("background-color", icon.get("background"))
                if icon_value and "var(--brand" in icon_value[0]:
                    for background in backgrounds:
                        found.append(
                            (
                                f"{label}::before ({icon_value[1]})",
                                self.colour(icon_value[0]),
                                background,
                                NON_TEXT,
                            )
                        )
        return found


DEMO_COLOURS = {company["key"]: company["brand_colour"] for company in demo_content.COMPANIES}


@pytest.mark.parametrize("key", sorted(DEMO_COLOURS))
def test_every_brand_colour_pairing_passes_aa(key):
    sheet = Sheet(DEMO_COLOURS[key])
    pairings = sheet.pairings()
    assert len(pairings) > 20  # the parser found the rules (links, buttons, call, banner …)
    failures = [
        f"{where}: {fg} on {bg} is {contrast_ratio(fg, bg):.2f}:1, needs {minimum}:1"
        for where, fg, bg, minimum in pairings
        if contrast_ratio(fg, bg) < minimum
    ]
    assert not failures, f"{key} ({DEMO_COLOURS[key]}):\n" + "\n".join(failures)


def test_the_pairings_include_more_than_white_on_brand():
    sheet = Sheet(DEMO_COLOURS["mihel"])
    pairings = sheet.pairings()
    wheres = " ".join(where for where, *_rest in pairings)
    for fragment in (
        "background from .button:hover",  # the hover background under white text
        ".button--secondary:hover}",  # not .button:hover's background: the cascade
        "color from .call--emergency .call__number",  # on white and on its hover grey
        "(.cookie-banner)",  # its brand border on the grey banner
        "(.site-header)",
        "(.call--emergency::before)",  # the handset icon
    ):
        assert fragment in wheres, fragment
    surface = sheet.variables["--surface"]
    assert any(w.startswith("a {color from a,") and bg == surface for w, _f, bg, _m in pairings)


@pytest.mark.parametrize("colour", ["#b45f06", "#0b5394", "#c0392b", "#6a737d", "#007a5e"])
def test_an_editors_colour_that_passes_the_settings_form_stays_aa(colour):
    """Any colour white text reads on (the settings form's check) gets shades that pass."""
    failures = [
        f"{where}: {fg} on {bg}"
        for where, fg, bg, minimum in Sheet(colour).pairings()
        if contrast_ratio(fg, bg) < minimum
    ]
    assert not failures, "\n".join(failures)


def test_the_check_fails_on_the_old_stylesheet():
    """Today's rules before the fix: the brand colour itself as link text on the grey boxes,
    and a lightening hover filter (contrast unchanged on paper, but the link fails)."""
    old = (
        ":root{--brand:#0b5394;--text:#1d1d1f;--bg:#ffffff;--surface:#f3f5f8}\n"
        "a{color:var(--brand)}\n"
        ".button{background:var(--brand);color:#fff}\n"
        ".policy__toc{background:var(--surface)}\n"
    )
    failing = [
        (where, bg)
        for where, fg, bg, minimum in Sheet("#b45f06", css=old).pairings()
        if contrast_ratio(fg, bg) < minimum
    ]
    assert any(where.startswith("a {color from a,") and bg == "#f3f5f8" for where, bg in failing)
