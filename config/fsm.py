"""django-fsm-2's `ConcurrentTransitionMixin`, with each model's state fields found once per class.

The upstream mixin finds them, for every instance loaded, by testing every field of the model
(`state_fields` filters `_meta.fields`): a 50-row list loads a hundred or more versions and
agreements, so that scan was a tenth of the page's work. A model's fields do not change after
the app registry is ready, so the answer is kept per class. Transitions and the concurrency guard
(the UPDATE filtered on the state read) are upstream's, unchanged.

The mixin reads the state when an instance is built: a queryset narrowed with `.only()` must keep
the state field, or each row costs a query (tests/config/test_list_query_counts.py notices).
"""
from __future__ import annotations

from django_fsm import ConcurrentTransitionMixin as _UpstreamMixin
from django_fsm import FSMFieldMixin

_STATE_FIELDS: dict[type, tuple] = {}


class ConcurrentTransitionMixin(_UpstreamMixin):
    @property
    def state_fields(self):
        cls = type(self)
        fields = _STATE_FIELDS.get(cls)
        if fields is None:
            fields = _STATE_FIELDS[cls] = tuple(f for f in cls._meta.fields if isinstance(f, FSMFieldMixin))
        return fields
