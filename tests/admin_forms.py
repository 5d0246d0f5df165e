"""The company settings page's POST as the browser sends it (the company fields and the
register of data processors, an inline formset); any test posting that page needs it."""

from django.forms.models import model_to_dict

from home.models import CompanySettings

PROCESSOR_FIELDS = [
    "name",
    "service",
    "service_en",
    "data",
    "data_en",
    "country",
    "transfer_basis",
    "agreement_date",
    "agreement_url",
]


def processor_formset_data(company, *, add=(), delete=(), change=None):
    """The register part of the settings page's POST, as the browser sends it: Wagtail's
    inline formset with the existing rows (``delete`` ids marked deleted, ``change`` applied)
    and ``add`` new ones. Any test posting the settings page needs it."""
    rows = list(company.processors.order_by("sort_order"))
    forms = [
        {
            "id": row.pk,
            **model_to_dict(row, fields=PROCESSOR_FIELDS),
            **(change or {}).get(row.pk, {}),
        }
        for row in rows
    ] + [{"id": "", **row} for row in add]
    prefix = "processors"
    data = {
        f"{prefix}-TOTAL_FORMS": len(forms),
        f"{prefix}-INITIAL_FORMS": len(rows),
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for index, form in enumerate(forms):
        for key, value in form.items():
            data[f"{prefix}-{index}-{key}"] = "" if value is None else value
        data[f"{prefix}-{index}-ORDER"] = index + 1
        if form["id"] in delete:
            data[f"{prefix}-{index}-DELETE"] = "on"
    return data


def settings_form_data(site, *, add=(), delete=(), change=None, **changes):
    """The whole settings page's POST: the company fields and the register."""
    company = CompanySettings.for_site(site)
    values = model_to_dict(company, exclude=["id", "site"])
    values.update(changes)
    data = {key: "" if value is None else value for key, value in values.items()}
    return {**data, **processor_formset_data(company, add=add, delete=delete, change=change)}
