"""The form renderer writes choice widgets in Python: the same markup as Django's templates."""
from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from config.form_renderer import FastChoiceRenderer

CHOICES = [("a", "Alpha"), ("b", "<b>Bold</b> & co"), ("c", 'Quote "c"'), (3, "Three")]
GROUPED = [("First", [("a", "Alpha"), ("b", "Beta")]), ("Second <g>", [("c", "Gamma")]), ("d", "Delta")]


class PlainOptions(forms.CheckboxSelectMultiple):
    option_template_name = "django/forms/widgets/input_option.html"  # one template level fewer


class Everything(forms.Form):
    checks = forms.MultipleChoiceField(choices=CHOICES, widget=forms.CheckboxSelectMultiple)
    checks_grouped = forms.MultipleChoiceField(choices=GROUPED, widget=forms.CheckboxSelectMultiple(
        attrs={"class": "grid", "data-x": 'y"z'}))
    radio = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect)
    radio_grouped = forms.ChoiceField(choices=GROUPED, widget=forms.RadioSelect(attrs={"disabled": True}))
    select = forms.ChoiceField(choices=CHOICES)
    select_grouped = forms.ChoiceField(choices=GROUPED, required=False)
    select_multiple = forms.MultipleChoiceField(choices=CHOICES, widget=forms.SelectMultiple(attrs={"size": 3}))
    nullable = forms.NullBooleanField()
    plain_options = forms.MultipleChoiceField(choices=CHOICES, widget=PlainOptions, required=False)
    empty_checks = forms.MultipleChoiceField(choices=[], widget=forms.CheckboxSelectMultiple, required=False)


@pytest.mark.parametrize("data", [None, {"checks": ["b", "3"], "checks_grouped": ["c"], "radio": "c",
                                         "radio_grouped": "b", "select": "b", "select_grouped": "d",
                                         "select_multiple": ["a", "c"], "nullable": "true"}])
@pytest.mark.parametrize("name", list(Everything.base_fields))
def test_choice_widgets_render_as_the_stock_templates(name, data):
    fast = Everything(data, renderer=FastChoiceRenderer())[name]
    stock = Everything(data, renderer=DjangoTemplates())[name]
    assert str(fast) == str(stock)
    assert str(fast.as_widget()) == str(stock.as_widget())


def test_a_widget_with_option_templates_of_its_own_keeps_them(tmp_path, settings):
    class Custom(forms.CheckboxSelectMultiple):
        option_template_name = "django/forms/widgets/select_option.html"  # any template but the stock one

    field = forms.MultipleChoiceField(choices=CHOICES, widget=Custom)
    form = type("F", (forms.Form,), {"f": field})
    assert str(form(renderer=FastChoiceRenderer())["f"]) == str(form(renderer=DjangoTemplates())["f"])


def test_the_project_renders_forms_with_it():
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), FastChoiceRenderer)
