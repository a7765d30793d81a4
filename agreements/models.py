"""Access requests, the agreements that answer them, their terms and signatures, and the
IP attribution ledger.

An Agreement's state only moves through the guarded transitions below (django-fsm-2, protected
field, ConcurrentTransitionMixin), always called from `agreements.services`. Whether an agreement
is *in force* is answered by one function: `agreements.selectors.agreement_in_force`.
"""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition

from config.fsm import ConcurrentTransitionMixin


class IntendedUse(models.TextChoices):
    MODEL_TRAINING = "model_training", "Model training"
    COMMERCIAL = "commercial_use", "Commercial use"
    PUBLISH_MODEL = "publish_model", "Publishing the trained model"
    REDISTRIBUTION = "redistribution", "Redistribution of the data"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TermsTemplate(models.Model):
    """A versioned agreement text (Django template syntax). The newest version is used for new
    and edited requests; an agreement keeps the exact text it was rendered with."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Django template; context: request, researcher, organization, datasets, uses")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class AccessRequest(models.Model):
    """What the researcher asks for. Edited only while its agreement is a draft or returned."""

    researcher = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="access_requests")
    # The requester's organisation when they asked: NPU terms depend on its kind.
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="access_requests"
    )
    project_title = models.CharField(max_length=200)
    purpose = models.TextField()
    intended_uses = models.JSONField(default=list, help_text="IntendedUse values")
    requested_end_date = models.DateField()
    dataset_versions = models.ManyToManyField("datasets_app.DatasetVersion", related_name="access_requests")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.project_title


class Agreement(ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        APPROVED = "approved", "Approved"
        # Legal approved with conditions the accepted text did not contain: the amended text goes
        # back to the researcher, and the agreement is not in force until they accept it (G4).
        CONDITIONS_PENDING = "conditions_pending", "Approved with conditions, awaiting the researcher's acceptance"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        REVOKED = "revoked", "Revoked"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # States in which legal still has to act.
    PENDING_REVIEW = (State.SUBMITTED, State.IN_REVIEW)
    # States the researcher may edit the request in.
    EDITABLE = (State.DRAFT, State.CHANGES_REQUESTED)
    # States the researcher may withdraw the request from: before legal has taken it into review,
    # or when they decline the conditions legal added.
    WITHDRAWABLE = (State.DRAFT, State.SUBMITTED, State.CHANGES_REQUESTED, State.CONDITIONS_PENDING)
    # States a steward may countersign in (on the text the researcher accepted).
    COUNTERSIGNABLE = (State.SUBMITTED, State.IN_REVIEW, State.APPROVED)

    access_request = models.OneToOneField(AccessRequest, on_delete=models.PROTECT, related_name="agreement")
    state = FSMField(default=State.DRAFT, choices=State.choices, protected=True)

    # The exact text, rendered from a TermsTemplate with the request's details.
    terms_template = models.ForeignKey(TermsTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    terms_text = models.TextField(blank=True)
    terms_sha256 = models.CharField(max_length=64, blank=True)

    # The researcher's acceptance: of which text (sha256), when, by whom, from where.
    accepted_sha256 = models.CharField(max_length=64, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_ip = models.GenericIPAddressField(null=True, blank=True)
    # What the accepted text names, stored at acceptance: [{"id": version id, "sha256": scrubbed sha256}].
    # Coverage reads this, never the request's many-to-many, so a version attached afterwards (even
    # in the database) or a version whose bytes differ from the named digest is not covered (G4).
    signed_versions = models.JSONField(default=list, blank=True)

    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    review_comment = models.TextField(blank=True, help_text="Legal's comment when returning the request")
    rejection_reason = models.TextField(blank=True)

    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    conditions = models.TextField(blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)

    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    revocation_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "expires_at"]),
            # The list pages' and the API's sorts, and the review queue's (issue 11).
            models.Index(fields=["updated_at", "id"], name="agreement_updated_idx"),
            models.Index(fields=["state", "updated_at", "id"], name="agreement_state_updated_idx"),
            models.Index(fields=["created_at", "id"], name="agreement_created_idx"),
            models.Index(fields=["state", "submitted_at", "id"], name="agreement_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"Agreement #{self.pk}: {self.access_request.project_title}"

    # --- convenience -------------------------------------------------------------------------
    @property
    def researcher(self):
        return self.access_request.researcher

    @property
    def intended_uses(self) -> list[str]:
        return list(self.access_request.intended_uses)

    @property
    def dataset_versions(self):
        return self.access_request.dataset_versions

    def signed_sha256_for(self, version_id: int) -> str | None:
        """The scrubbed sha256 the accepted terms name for `version_id`; None when they do not name it."""
        for entry in self.signed_versions or []:
            if isinstance(entry, dict) and entry.get("id") == version_id:
                return str(entry.get("sha256") or "")
        return None

    @property
    def researcher_accepted(self) -> bool:
        return bool(self.accepted_at and self.terms_sha256 and self.accepted_sha256 == self.terms_sha256)

    def required_signatory_organizations(self):
        from accounts.models import Organization

        return Organization.objects.filter(
            datasets__versions__access_requests=self.access_request_id
        ).distinct()

    # --- state machine (guarded; services call these, nothing saves a raw state) -------------
    @transition(field=state, source=[State.DRAFT, State.CHANGES_REQUESTED], target=State.SUBMITTED)
    def submit(self) -> None:
        pass

    @transition(field=state, source=State.SUBMITTED, target=State.IN_REVIEW)
    def start_review(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW], target=State.APPROVED)
    def approve(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW], target=State.CONDITIONS_PENDING)
    def approve_with_conditions(self) -> None:
        """Legal approves, adding conditions the accepted text lacks: back to the researcher."""

    @transition(field=state, source=State.APPROVED, target=State.CONDITIONS_PENDING)
    def require_reacceptance(self) -> None:
        """An agreement approved before conditions were part of the text: its conditions go to the
        researcher now (`manage.py send_conditions_for_acceptance`)."""

    @transition(field=state, source=State.CONDITIONS_PENDING, target=State.APPROVED)
    def accept_conditions(self) -> None:
        """The researcher accepts the amended text (with legal's conditions)."""

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW], target=State.CHANGES_REQUESTED)
    def return_for_changes(self) -> None:
        pass

    @transition(field=state, source=[State.SUBMITTED, State.IN_REVIEW], target=State.REJECTED)
    def reject(self) -> None:
        pass

    @transition(field=state, source=list(WITHDRAWABLE), target=State.WITHDRAWN)
    def withdraw(self) -> None:
        """The researcher takes back a request nobody has started to review (issue 13)."""

    @transition(field=state, source=[State.APPROVED, State.CONDITIONS_PENDING], target=State.EXPIRED)
    def expire(self) -> None:
        pass

    @transition(field=state, source=[State.APPROVED, State.CONDITIONS_PENDING], target=State.REVOKED)
    def revoke(self) -> None:
        pass


class Countersignature(models.Model):
    """A steward's signature for their organisation's datasets in one agreement, on one text."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="countersignatures")
    organization = models.ForeignKey("accounts.Organization", on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    terms_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "organization"], name="countersignature_one_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.organization} on agreement #{self.agreement_id}"


class DatasetContributor(models.Model):
    """The IP attribution ledger: who contributed a dataset, and in which role."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", "Organisation"
        PERSON = "person", "Person"

    class ContributorRole(models.TextChoices):
        CREATOR = "creator", "Creator"
        LICENSOR = "licensor", "Licensor"
        CONTRIBUTOR = "contributor", "Contributor"

    dataset = models.ForeignKey("datasets_app.Dataset", on_delete=models.CASCADE, related_name="contributors")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.CharField(max_length=20, choices=ContributorRole.choices)
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset_id", "role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name", "role"], name="contributor_unique_per_dataset_role")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
