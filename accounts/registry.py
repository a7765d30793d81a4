"""Hooks that let higher layers add to the shell without accounts importing them.

Each app registers its navigation entries, dashboard panels and demo-seeding step in its
AppConfig.ready(); accounts renders and runs them without knowing the apps above it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    """A box on a role's dashboard. `context(user)` returns the template's context."""

    title: str
    template: str
    roles: frozenset[str]
    context: Callable[[Any], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class DemoStep:
    name: str
    run: Callable[[Callable[[str], None]], None]  # receives a `log(message)` function
    order: int = 100


@dataclass
class _Registry:
    nav: list[NavItem] = field(default_factory=list)
    panels: list[DashboardPanel] = field(default_factory=list)
    demo_steps: list[DemoStep] = field(default_factory=list)


_registry = _Registry()


def register_nav(label: str, url_name: str, *, roles: Iterable[str], order: int = 100) -> None:
    item = NavItem(label, url_name, frozenset(roles), order)
    if item not in _registry.nav:
        _registry.nav.append(item)


def register_panel(
    title: str, *, template: str, roles: Iterable[str], context: Callable[[Any], dict[str, Any]], order: int = 100
) -> None:
    if any(p.title == title for p in _registry.panels):
        return
    _registry.panels.append(DashboardPanel(title, template, frozenset(roles), context, order))


def register_demo_step(name: str, run: Callable[[Callable[[str], None]], None], *, order: int = 100) -> None:
    if any(s.name == name for s in _registry.demo_steps):
        return
    _registry.demo_steps.append(DemoStep(name, run, order))


def nav_for(user) -> list[NavItem]:
    roles = getattr(user, "roles", frozenset())
    return sorted((n for n in _registry.nav if n.roles & roles), key=lambda n: (n.order, n.label))


def panels_for(user) -> list[DashboardPanel]:
    roles = getattr(user, "roles", frozenset())
    return sorted((p for p in _registry.panels if p.roles & roles), key=lambda p: (p.order, p.title))


def demo_steps() -> list[DemoStep]:
    return sorted(_registry.demo_steps, key=lambda s: s.order)
