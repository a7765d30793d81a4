"""Django's default form renderer, with the choice widgets written in Python.

Django renders a checkbox list, a radio list or a <select> by including three templates per
option (the option, its input, its attributes): ~1 ms of CPU per option, so a form offering a
page of 50 dataset versions spent more on its check boxes than on everything else. This renderer
writes those widgets' HTML directly, the same markup the stock templates give, whitespace included
(tests/config/test_form_renderer.py compares them), and leaves every other template, and any
widget whose options use templates of their own, to Django. `settings.FORM_RENDERER` names it.
"""
from __future__ import annotations

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

_WIDGETS = "django/forms/widgets/"
_MULTIPLE_INPUT = {f"{_WIDGETS}checkbox_select.html", f"{_WIDGETS}radio.html", f"{_WIDGETS}multiple_input.html"}
# Each stock template ends with a newline that the template including it keeps: input.html's stays
# inside the label, and an option is followed by one newline per template around it
# (checkbox_option.html -> input_option.html).
_INPUT_OPTIONS = {f"{_WIDGETS}checkbox_option.html": "\n\n", f"{_WIDGETS}radio_option.html": "\n\n",
                  f"{_WIDGETS}input_option.html": "\n"}
_SELECT = f"{_WIDGETS}select.html"
_SELECT_OPTION = f"{_WIDGETS}select_option.html"


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"`, a bare name for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False)


def _input(option: dict) -> str:
    """input.html."""
    value = "" if option["value"] is None else f' value="{conditional_escape(option["value"])}"'
    return (f'<input type="{conditional_escape(option["type"])}" name="{conditional_escape(option["name"])}"'
            f'{value}{_attrs(option["attrs"])}>\n')


def _input_option(option: dict) -> str:
    """input_option.html (wrapped in checkbox_option.html or radio_option.html)."""
    html = _input(option)
    if option.get("wrap_label"):
        label_for = option["attrs"].get("id")
        label_for = f' for="{conditional_escape(label_for)}"' if label_for else ""
        html = f'<label{label_for}>{html} {conditional_escape(option["label"])}</label>'
    return html + _INPUT_OPTIONS[option["template_name"]]


def _multiple_input(widget: dict) -> str:
    """multiple_input.html: a <div> of options, each in a <div>, grouped when the choices are."""
    widget_id, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div" + (f' id="{conditional_escape(widget_id)}"' if widget_id else "")
             + (f' class="{conditional_escape(css)}"' if css else "") + ">"]
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f"\n  <div><label>{conditional_escape(group)}</label>")
        for option in options:
            parts.append(f"<div>\n    {_input_option(option)}</div>")
        if group:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


def _select(widget: dict) -> str:
    """select.html with select_option.html."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{conditional_escape(group)}">')
        for option in options:
            parts.append(f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _options_use(widget: dict, names) -> bool:
    return all(option.get("template_name") in names for _g, options, _i in widget["optgroups"] for option in options)


class FastChoiceRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget") if isinstance(context, dict) else None
        if isinstance(widget, dict) and "optgroups" in widget:
            if template_name in _MULTIPLE_INPUT and _options_use(widget, _INPUT_OPTIONS):
                return _multiple_input(widget)
            if template_name == _SELECT and _options_use(widget, (_SELECT_OPTION,)):
                return _select(widget)
        return super().render(template_name, context, request)
