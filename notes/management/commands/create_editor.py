from facetsite.accounts import GroupAccountCommand
from notes.models import PayerNote

GROUP = PayerNote.EDITORS_GROUP
PASSWORD_ENV = "FACETCODER_EDITOR_PASSWORD"


class Command(GroupAccountCommand):
    group, password_env, staff, role = GROUP, PASSWORD_ENV, True, "editor"
    help = (
        f"Create a payer note editor: a staff account in the group “{GROUP}” (edit payer "
        "notes, view the rest of the reference data). Running it again for an existing account "
        "puts it back in the group and keeps its password unless a new one is given. The "
        f"password comes from --password, else ${PASSWORD_ENV}, else a prompt."
    )
