"""Signals other layers subscribe to; agreements never imports them.

`agreement_ended` is sent inside the transaction of the revocation or expiry (so a receiver's
writes commit or roll back with it) with keyword arguments:
    agreement: Agreement, reason: "revoked" | "expired", actor: User | None
Training subscribes to stop the runs that depend on the agreement and mark their models.
"""
import django.dispatch

agreement_ended = django.dispatch.Signal()
