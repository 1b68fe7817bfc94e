from facetsite.accounts import GroupAccountCommand
from quiz.models import TRAINERS_GROUP

GROUP = TRAINERS_GROUP
PASSWORD_ENV = "FACETCODER_TRAINER_PASSWORD"


class Command(GroupAccountCommand):
    group, password_env, staff, role = GROUP, PASSWORD_ENV, False, "trainer"
    help = (
        f"Create a trainer: an account in the group “{GROUP}”, who runs training sessions "
        "at /quiz/sessions/ (no back-office access). Running it again for an existing account "
        "puts it back in the group and keeps its password unless a new one is given. The "
        f"password comes from --password, else ${PASSWORD_ENV}, else a prompt."
    )
