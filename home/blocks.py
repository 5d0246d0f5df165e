"""StreamField blocks shared by the content pages."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.images.blocks import ImageBlock

from . import page_cache

# Rich text for body copy: what the policy and ordinary pages need, nothing that breaks layout.
BODY_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3", "h4"]
POLICY_FEATURES = ["bold", "italic", "link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Heading 2")), ("h3", _("Heading 3"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "includes/blocks/heading_block.html"


class CallToActionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Button text"), max_length=80)
    page = blocks.PageChooserBlock(label=_("Page"), required=False)
    url = blocks.URLBlock(label=_("External link"), required=False)

    class Meta:
        icon = "pick"
        label = _("Call to action")
        template = "includes/blocks/call_to_action_block.html"

    def get_context(self, value, parent_context=None):
        """Lead to the chosen page in the language being shown, if it has that translation.

        wagtail-localize copies a chosen page as it is into a translation (the Danish quote
        form in the English services page) and leaves localizing it to the time of showing.
        """
        context = super().get_context(value, parent_context=parent_context)
        page = value.get("page")
        if page is not None:
            localized = value.__class__(value.block, list(value.items()))
            # Memoised per page and language like the menu's pages: no query on a warm render.
            localized["page"] = page_cache.localized(None, page)
            context["value"] = context["self"] = localized
        return context

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("page")) == bool(value.get("url")):
            message = _("Choose either a page or an external link.")
            raise StructBlockValidationError(
                block_errors={"page": ValidationError(message), "url": ValidationError(message)}
            )
        return value


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Text"), features=BODY_FEATURES, template="includes/blocks/rich_text_block.html"
    )
    image = ImageBlock(label=_("Image"), template="includes/blocks/image_block.html")
    call_to_action = CallToActionBlock()


class PolicySectionBlock(blocks.StructBlock):
    """One section of a privacy policy: a heading (with its own anchor) and its text."""

    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("2", _("Section")), ("3", _("Subsection"))],
        default="2",
        widget=forms.RadioSelect,
        help_text=_("Subsections are indented in the table of contents."),
    )
    body = blocks.RichTextBlock(label=_("Text"), features=POLICY_FEATURES, required=False)

    class Meta:
        icon = "doc-full"
        label = _("Section")


class PolicySectionsBlock(blocks.StreamBlock):
    section = PolicySectionBlock()
