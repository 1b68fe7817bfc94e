"""Any change to reference content moves the shared Revision on, which expires every cached
page and ETag that could show it. The notes app has its payer notes watched too (`watch()`).

Lock order. A transaction that changes content takes the revision row first and content rows
after it, so two writers never wait on each other in a circle (a deadlock on PostgreSQL): the
load of the dataset holding the revision while it updates payer notes, an editor holding a note
while the save bumps the revision. So inside a transaction the revision moves on *before* the
row is written (pre_save, pre_delete, the m2m pre_ actions), and a transaction that first
writes through a statement that sends no signal (a queryset's update) calls `lock_revision()`
first. Outside a transaction each statement commits on its own and holds one lock at a time:
there the revision moves on *after* the write, so no page is kept for the new revision with
the old content. Either way the revision commits together with, or after, the change.
"""

from django.db import DEFAULT_DB_ALIAS, OperationalError, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from codes import models

WATCHED = (
    models.Code,
    models.Relation,
    models.Modifier,
    models.ModifierGuidance,
    models.Taxonomy,
    models.Diagnosis,
    models.DiagnosisLink,
    models.Payer,
    models.Rule,
    models.Misconception,
    models.Source,
    models.Dataset,
)

# PostgreSQL's serialization_failure and deadlock_detected: the transaction was rolled back
# and may simply run again.
RETRYABLE = frozenset({"40001", "40P01"})


def content_changing(sender, **kwargs) -> None:
    """Before a write: inside a transaction, move the revision on now (this takes its lock
    before the content row's)."""
    if kwargs.get("raw") or not kwargs.get("action", "pre_").startswith("pre_"):
        return
    if in_transaction(kwargs.get("using")):
        models.Revision.bump()


def content_changed(sender, **kwargs) -> None:
    """After a write outside a transaction (it has committed): move the revision on."""
    if kwargs.get("raw") or not kwargs.get("action", "post_").startswith("post_"):
        return
    if not in_transaction(kwargs.get("using")):
        models.Revision.bump()


def in_transaction(using: str | None) -> bool:
    return transaction.get_connection(using or DEFAULT_DB_ALIAS).in_atomic_block


def lock_revision() -> None:
    """Take the revision row's lock now, before any content row, without moving it on: for a
    transaction that reads content, then writes it (the loader), or writes it through a
    statement that sends no signal (an editor's version check). Does nothing outside a
    transaction (there is nothing to hold) and on SQLite (one writer at a time anyway)."""
    if in_transaction(None):
        models.Revision.objects.select_for_update().get_or_create(pk=1)


def retry_once(work):
    """Run `work()`, once more if PostgreSQL rolled it back as a deadlock or serialization
    failure. Only as the outermost transaction: inside another one, the whole of that one
    would have to run again, so the error goes up to it."""
    if in_transaction(None):
        return work()
    try:
        return work()
    except OperationalError as error:
        if not is_retryable(error):
            raise
    return work()


def is_retryable(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in RETRYABLE


def connect() -> None:
    for model in WATCHED:
        watch(model)


def watch(model) -> None:
    """Move the revision on whenever a row of `model` (or one of its many-to-many links)
    changes: for the reference's own models, and for the payer notes (the notes app watches
    those)."""
    name = model.__name__
    pre_save.connect(content_changing, sender=model, dispatch_uid=f"rev-presave-{name}")
    pre_delete.connect(content_changing, sender=model, dispatch_uid=f"rev-predel-{name}")
    post_save.connect(content_changed, sender=model, dispatch_uid=f"rev-save-{name}")
    post_delete.connect(content_changed, sender=model, dispatch_uid=f"rev-del-{name}")
    for field in model._meta.many_to_many:
        for receiver, when in ((content_changing, "pre"), (content_changed, "post")):
            m2m_changed.connect(
                receiver,
                sender=field.remote_field.through,
                dispatch_uid=f"rev-m2m-{when}-{name}-{field.name}",
            )
