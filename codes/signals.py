"""Any change to reference content moves the shared Revision on, which expires every cached
page and ETag that could show it. The notes app has its payer notes watched too (`watch()`)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

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


def content_changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures loading
        return
    if kwargs.get("action", "post_").startswith("pre_"):
        return
    models.Revision.bump()


def connect() -> None:
    for model in WATCHED:
        watch(model)


def watch(model) -> None:
    """Bump the revision whenever a row of `model` (or one of its many-to-many links) changes:
    for the reference's own models, and for the payer notes (the notes app watches those)."""
    post_save.connect(content_changed, sender=model, dispatch_uid=f"rev-save-{model.__name__}")
    post_delete.connect(content_changed, sender=model, dispatch_uid=f"rev-del-{model.__name__}")
    for field in model._meta.many_to_many:
        m2m_changed.connect(
            content_changed,
            sender=field.remote_field.through,
            dispatch_uid=f"rev-m2m-{model.__name__}-{field.name}",
        )
