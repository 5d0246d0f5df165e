"""Turn a Markdown privacy policy into a new revision of a site's ``PrivacyPolicyPage``.

``manage.py import_policy`` is a thin shell over :func:`import_policy`; the tests call the
functions here directly too. The work is split so that nothing is written until everything
has been read, parsed and checked: :func:`read_markdown` and :func:`parse_policy` touch no
database, :func:`find_policy_page` only reads, and :func:`save_policy` writes one revision
inside a transaction. Any problem raises :class:`PolicyImportError`, and the page and its
revisions are then exactly as they were.

Markdown is parsed by markdown-it-py (CommonMark, plus the table and strikethrough rules so
that those constructs are *recognised* and refused instead of ending up as stray ``|`` and
``~~`` text). The policy page can only hold what Wagtail's rich text holds, so anything else
is an error naming the construct and its line: a policy must never lose a sentence quietly.
"""

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from markdown_it import MarkdownIt
from wagtail.models import Page, Revision, Site

from .blocks import POLICY_FEATURES
from .models import CompanySettings, PrivacyPolicyPage

ALLOWED_LINK_SCHEMES = ("http", "https", "mailto", "tel")

# "3. Oplysninger …" is a numbered main section whatever its Markdown level; "3.1 …" is not.
NUMBERED_SECTION_RE = re.compile(r"^\d+\.(?:\s|$)")

# Human names for the Markdown constructs rich text cannot hold, keyed by token type.
UNSUPPORTED = {
    "table_open": gettext_lazy("a table"),
    "blockquote_open": gettext_lazy("a block quote"),
    "code_block": gettext_lazy("an indented code block"),
    "fence": gettext_lazy("a fenced code block"),
    "html_block": gettext_lazy("a block of raw HTML"),
    "hr": gettext_lazy("a horizontal rule"),
    "image": gettext_lazy("an image"),
    "html_inline": gettext_lazy("inline HTML"),
    "code_inline": gettext_lazy("inline code"),
    "s_open": gettext_lazy("strikethrough"),
    "heading_open": gettext_lazy("a heading inside a list"),
    "bullet_list_open": gettext_lazy("a nested list"),
    "ordered_list_open": gettext_lazy("a nested list"),
    "link_open": gettext_lazy("a link"),
}

# How to name a rich-text feature when a field does not allow it (a list in the intro).
FEATURE_NAMES = {
    "bold": gettext_lazy("bold text"),
    "italic": gettext_lazy("italic text"),
    "link": gettext_lazy("a link"),
    "ul": gettext_lazy("a bulleted list"),
    "ol": gettext_lazy("a numbered list"),
}


class PolicyImportError(Exception):
    """Why a policy could not be imported, in words meant for the person running the import."""


@dataclass
class RichTextDraft:
    """Rich-text HTML being collected for the intro or a section, and what it uses.

    ``features`` maps each rich-text feature used to the first line using it, so a feature the
    target field does not allow (a list in the intro) can be reported where it is.
    """

    parts: list[str] = field(default_factory=list)
    features: dict[str, int] = field(default_factory=dict)

    def use(self, feature, line):
        self.features.setdefault(feature, line)

    @property
    def html(self):
        return "".join(self.parts)


@dataclass(frozen=True)
class PolicySection:
    heading: str
    level: str  # "2" (section) or "3" (subsection), as PolicySectionBlock expects
    body: str  # Wagtail rich-text HTML
    line: int


@dataclass(frozen=True)
class ParsedPolicy:
    title: str | None  # None when the Markdown has no leading level-1 heading
    intro: str
    sections: list[PolicySection]
    # What was changed on the way in and should be said (headings lose their bold/italic).
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    page: PrivacyPolicyPage
    revision: Revision
    published: bool
    section_count: int
    notes: tuple[str, ...] = ()
    # The public version number ("Version 3" on the page, PrivacyPolicyPage.get_publication):
    # of the imported revision when published, else of the version still live (None when
    # the page is not live). Never the revision id, which readers never see.
    version: int | None = None
    # Published, but the text is the one already published: no new public version.
    unchanged: bool = False

    def summary(self):
        values = {"count": self.section_count, "title": self.page.draft_title}
        if self.published:
            message = ngettext(
                "Imported %(count)d section into %(title)s (version %(version)d, published)",
                "Imported %(count)d sections into %(title)s (version %(version)d, published)",
                self.section_count,
            )
            values["version"] = self.version
        elif self.version:
            message = ngettext(
                "Imported %(count)d section into %(title)s as a draft (the published version "
                "is still version %(version)d)",
                "Imported %(count)d sections into %(title)s as a draft (the published version "
                "is still version %(version)d)",
                self.section_count,
            )
            values["version"] = self.version
        else:
            message = ngettext(
                "Imported %(count)d section into %(title)s as a draft (the page is not published)",
                "Imported %(count)d sections into %(title)s as a draft (the page is not "
                "published)",
                self.section_count,
            )
        summary = message % values
        if self.unchanged:
            summary += " " + _(
                "The text is the same as the one already published, so it is not a new version."
            )
        return summary


def import_policy(hostname, path, *, publish=False, user=None):
    """Import the Markdown file at ``path`` into the policy page of the site ``hostname``.

    Saves a new revision (a draft unless ``publish``) and returns an :class:`ImportResult`.
    The file is read and parsed and the page found before anything is written.
    """
    policy = parse_policy(read_markdown(path))
    _site, page = find_policy_page(hostname)
    return save_policy(page, policy, publish=publish, user=user)


def read_markdown(path):
    """Return the text of ``path``, decoded strictly as UTF-8 (a leading BOM is dropped).

    Strict decoding, because a policy saved in another encoding would otherwise import with
    its æ, ø and å silently replaced.
    """
    path = Path(path)
    if not path.exists():
        raise PolicyImportError(_("The file %(path)s does not exist.") % {"path": path})
    if not path.is_file():
        raise PolicyImportError(_("%(path)s is not a file.") % {"path": path})
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PolicyImportError(
            _("Could not read %(path)s: %(error)s") % {"path": path, "error": exc.strerror}
        ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise PolicyImportError(
            _(
                "%(path)s is not valid UTF-8 (line %(line)d, byte %(byte)d). "
                "Save the file as UTF-8 and try again."
            )
            % {"path": path, "line": line, "byte": exc.start + 1}
        ) from exc


def parse_policy(text):
    """Turn Markdown into a :class:`ParsedPolicy`, or raise :class:`PolicyImportError`.

    A level-1 heading before any other content is the page title; every other heading starts
    a section. Content before the first section is the intro.
    """
    return _PolicyParser(_markdown().parse(text)).parse()


def find_policy_page(hostname):
    """Return ``(site, page)``: the site answering to ``hostname`` and its policy page.

    The page is the one chosen in the site's company settings, else the ``PrivacyPolicyPage``
    under the site's root. Settings are read with a plain query rather than
    ``CompanySettings.for_site``, which would create a settings row as a side effect.
    """
    hostname = hostname.strip()
    matches = list(Site.objects.filter(hostname__iexact=hostname).select_related("root_page"))
    if not matches:
        known = sorted(Site.objects.values_list("hostname", flat=True).distinct())
        raise PolicyImportError(
            _("No site has the hostname %(hostname)s. Known hostnames: %(known)s.")
            % {"hostname": hostname, "known": ", ".join(known) or _("none")}
        )
    if len(matches) > 1:
        raise PolicyImportError(
            _("Several sites use the hostname %(hostname)s (ports %(ports)s).")
            % {"hostname": hostname, "ports": ", ".join(str(site.port) for site in matches)}
        )
    site = matches[0]
    company_settings = (
        CompanySettings.objects.filter(site=site).select_related("privacy_policy_page").first()
    )
    page = company_settings.privacy_policy_page if company_settings else None
    if page is None:
        page = PrivacyPolicyPage.objects.child_of(site.root_page).first()
    if page is None:
        raise PolicyImportError(
            _("The site %(hostname)s has no privacy policy page.") % {"hostname": site.hostname}
        )
    if not (page.pk == site.root_page.pk or page.is_descendant_of(site.root_page)):
        # Settings pointing at the other company's page must not let one site overwrite it.
        raise PolicyImportError(
            _(
                "The privacy policy page chosen in the settings of %(hostname)s "
                "(%(title)s) is not part of that site."
            )
            % {"hostname": site.hostname, "title": page.title}
        )
    return site, page


def save_policy(page, policy, *, publish=False, user=None):
    """Save ``policy`` as a new revision of ``page``, publishing it if ``publish``.

    The revision starts from the page's latest revision, as Wagtail's editor does, so fields
    the import does not own (slug, SEO title, …) keep their current draft values. Without
    ``publish`` only the revision pointers on the page row change: the live page is untouched.
    """
    with transaction.atomic():
        locked = PrivacyPolicyPage.objects.select_for_update().get(pk=page.pk)
        draft = locked.get_latest_revision_as_object()
        if policy.title:
            draft.title = policy.title
        draft.intro = policy.intro
        draft.sections = [
            ("section", {"heading": section.heading, "level": section.level, "body": section.body})
            for section in policy.sections
        ]
        try:
            revision = draft.save_revision(user=user, log_action=True)
        except ValidationError as exc:
            raise PolicyImportError(
                _("The imported page is not valid: %(errors)s")
                % {"errors": "; ".join(exc.messages)}
            ) from exc
        live_version = locked.get_publication()[0] if locked.live else None
        if publish:
            revision.publish(user=user)
    page = PrivacyPolicyPage.objects.get(pk=page.pk)
    version = page.get_publication(revision.pk)[0] if publish else live_version
    return ImportResult(
        page=page,
        revision=revision,
        published=publish,
        section_count=len(policy.sections),
        notes=tuple(policy.notes),
        version=version,
        unchanged=publish and live_version is not None and version == live_version,
    )


def _markdown():
    """CommonMark with tables and strikethrough recognised (so they can be refused).

    markdown-it's own link check would turn ``[x](javascript:…)`` into literal text; letting
    every link through here means :meth:`_PolicyParser._href` sees it and refuses it by name.
    """
    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.validateLink = lambda url: True
    return md


def _field_features(model, field_name):
    return list(model._meta.get_field(field_name).features or [])


class _PolicyParser:
    """Walks markdown-it's token stream once, building the title, intro and sections."""

    def __init__(self, tokens):
        self.tokens = tokens
        self.pos = 0
        self.notes = []
        stream_block = PrivacyPolicyPage._meta.get_field("sections").stream_block
        self.heading_max_length = (
            stream_block.child_blocks["section"].child_blocks["heading"].field.max_length
        )
        self.title_max_length = Page._meta.get_field("title").max_length

    def parse(self):
        title = None
        intro = RichTextDraft()
        sections = []  # [(heading, Markdown level, line, RichTextDraft)]
        target = intro
        seen_heading = seen_content = False
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if token.type == "heading_open":
                line = self._line(token)
                text = self._heading_text(self.tokens[self.pos + 1], line)
                markdown_level = int(token.tag[1])
                self.pos += 3
                if markdown_level == 1 and not seen_heading and not seen_content:
                    title = self._checked_title(text, line)
                else:
                    target = RichTextDraft()
                    heading = self._checked_heading(text, line)
                    sections.append((heading, markdown_level, line, target))
                seen_heading = True
            else:
                self._block(target)
                seen_content = True

        if not seen_heading:
            raise PolicyImportError(
                _(
                    "The file has no headings. Start each section with a Markdown heading, "
                    "for example “## 1. Generelt”."
                )
            )
        if not sections:
            raise PolicyImportError(
                _(
                    "The file has no sections: only the title heading was found. Start each "
                    "section with a heading such as “## 1. Generelt”."
                )
            )
        self._check_features(intro, _field_features(PrivacyPolicyPage, "intro"), _("the intro"))
        parsed_sections = []
        for heading, markdown_level, line, body in sections:
            self._check_features(
                body, POLICY_FEATURES, _("the section “%(heading)s”") % {"heading": heading}
            )
            level = "2" if NUMBERED_SECTION_RE.match(heading) or markdown_level <= 2 else "3"
            parsed_sections.append(PolicySection(heading, level, body.html, line))
        return ParsedPolicy(
            title=title, intro=intro.html, sections=parsed_sections, notes=self.notes
        )

    # Blocks

    def _block(self, target):
        token = self.tokens[self.pos]
        if token.type == "paragraph_open":
            target.parts.append(f"<p>{self._inline(self.tokens[self.pos + 1], target)}</p>")
            self.pos += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            self._list(target)
        else:
            self._unsupported(token)

    def _list(self, target):
        """Append a flat list; list items hold a single paragraph each."""
        opening = self.tokens[self.pos]
        line = self._line(opening)
        tag = opening.tag
        start = opening.attrGet("start")
        if tag == "ol" and start not in (None, 1):
            raise PolicyImportError(
                _(
                    "Line %(line)d: a numbered list starting at %(start)s cannot be kept, as "
                    "lists in rich text always start at 1. If this is a section, make it a "
                    "heading (“## %(start)s. …”); otherwise write “%(start)s\\.” to keep it "
                    "as text."
                )
                % {"line": line, "start": start}
            )
        target.use(tag, line)
        closing_type = opening.type.replace("_open", "_close")
        items = []
        self.pos += 1
        while self.tokens[self.pos].type != closing_type:
            item_line = self._line(self.tokens[self.pos])  # list_item_open
            self.pos += 1
            content, paragraphs = "", 0
            while self.tokens[self.pos].type != "list_item_close":
                token = self.tokens[self.pos]
                if token.type != "paragraph_open":
                    self._unsupported(token)
                paragraphs += 1
                if paragraphs > 1:
                    raise PolicyImportError(
                        _(
                            "Line %(line)d: a list item with more than one paragraph cannot "
                            "be kept in rich text; join the paragraphs or end the list."
                        )
                        % {"line": item_line}
                    )
                # Loose and tight lists alike: <li>text</li>, never <li><p>…</p></li>.
                content = self._inline(self.tokens[self.pos + 1], target)
                self.pos += 3
            self.pos += 1
            items.append(f"<li>{content}</li>")
        self.pos += 1
        target.parts.append(f"<{tag}>{''.join(items)}</{tag}>")

    # Inline content

    def _inline(self, inline, target):
        """Render an inline token's children as Wagtail rich-text HTML."""
        out = []
        line = self._line(inline)
        for child in inline.children or []:
            kind = child.type
            if kind == "text":
                out.append(html.escape(child.content, quote=False))
            elif kind == "softbreak":
                out.append(" ")
                line += 1
            elif kind == "hardbreak":
                out.append("<br/>")
                line += 1
            elif kind in ("strong_open", "strong_close"):
                target.use("bold", line)
                out.append("<b>" if kind == "strong_open" else "</b>")
            elif kind in ("em_open", "em_close"):
                target.use("italic", line)
                out.append("<i>" if kind == "em_open" else "</i>")
            elif kind == "link_open":
                target.use("link", line)
                out.append(f'<a href="{html.escape(self._href(child, line))}">')
            elif kind == "link_close":
                out.append("</a>")
            else:
                self._unsupported(child, line)
        return "".join(out)

    def _href(self, link, line):
        href = link.attrGet("href") or ""
        if link.attrGet("title"):
            raise PolicyImportError(
                _(
                    "Line %(line)d: the link to %(href)s has a title (“%(title)s”), which rich "
                    "text cannot keep; remove the quoted title."
                )
                % {"line": line, "href": href, "title": link.attrGet("title")}
            )
        parts = urlsplit(href)
        scheme = parts.scheme.lower()
        if scheme not in ALLOWED_LINK_SCHEMES or (
            scheme in ("http", "https") and not parts.netloc
        ):
            raise PolicyImportError(
                _(
                    "Line %(line)d: the link “%(href)s” is not allowed. Links must be full "
                    "addresses starting with %(schemes)s."
                )
                % {
                    "line": line,
                    "href": href,
                    "schemes": ", ".join(f"{s}:" for s in ALLOWED_LINK_SCHEMES),
                }
            )
        return href

    def _heading_text(self, inline, line):
        """Plain text of a heading: emphasis markers go, anything else is refused."""
        out = []
        for child in inline.children or []:
            if child.type == "text":
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append(" ")
            elif child.type in ("strong_open", "em_open"):
                # Headings are styled by the page, so their emphasis is presentational; say so.
                note = _(
                    "Line %(line)d: bold or italic in a heading is not kept; headings are "
                    "plain text."
                ) % {"line": line}
                if note not in self.notes:
                    self.notes.append(note)
            elif child.type in ("strong_close", "em_close"):
                continue
            else:
                raise PolicyImportError(
                    _(
                        "Line %(line)d: headings are plain text, so %(construct)s in a heading "
                        "cannot be kept."
                    )
                    % {"line": line, "construct": UNSUPPORTED.get(child.type, child.type)}
                )
        return " ".join("".join(out).split())

    # Checks

    def _checked_title(self, text, line):
        if not text:
            raise PolicyImportError(_("Line %(line)d: the title is empty.") % {"line": line})
        if len(text) > self.title_max_length:
            raise PolicyImportError(
                _("Line %(line)d: the title is longer than %(max)d characters.")
                % {"line": line, "max": self.title_max_length}
            )
        return text

    def _checked_heading(self, text, line):
        if not text:
            raise PolicyImportError(_("Line %(line)d: the heading is empty.") % {"line": line})
        if len(text) > self.heading_max_length:
            raise PolicyImportError(
                _("Line %(line)d: the heading is longer than %(max)d characters.")
                % {"line": line, "max": self.heading_max_length}
            )
        return text

    def _check_features(self, draft, allowed, where):
        for feature, line in sorted(draft.features.items(), key=lambda item: item[1]):
            if feature not in allowed:
                raise PolicyImportError(
                    _("Line %(line)d: %(construct)s is not allowed in %(where)s.")
                    % {"line": line, "construct": FEATURE_NAMES[feature], "where": where}
                )

    def _unsupported(self, token, line=None):
        construct = UNSUPPORTED.get(token.type, token.type.removesuffix("_open"))
        raise PolicyImportError(
            _(
                "Line %(line)d: %(construct)s is not supported in a privacy policy. "
                "Rewrite it as paragraphs, lists, links, bold or italic text."
            )
            % {"line": line or self._line(token), "construct": construct}
        )

    def _line(self, token):
        """1-based line of a block token in the file (markdown-it keeps leading blank lines)."""
        return token.map[0] + 1 if token.map else 0
