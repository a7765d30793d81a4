"""Accord's roles. Each is a Django group; a user may hold several."""
from enum import StrEnum


class Role(StrEnum):
    CONTRIBUTOR = "contributor"
    RESEARCHER = "researcher"
    LEGAL = "legal"
    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def label(self) -> str:
        return {
            Role.CONTRIBUTOR: "Contributor (data steward)",
            Role.RESEARCHER: "Researcher",
            Role.LEGAL: "Legal reviewer",
            Role.ADMIN: "Admin (ML ops)",
            Role.AUDITOR: "Auditor",
        }[self]


ALL_ROLES: tuple[Role, ...] = tuple(Role)
