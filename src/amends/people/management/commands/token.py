from django.core.management.base import BaseCommand, CommandError

from amends.people.models import ApiToken, User
from amends.people.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Personal API tokens: create (shown once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="make a token for a user and print it once")
        create.add_argument("--user", required=True, help="username")
        create.add_argument("--name", default="command line", help="what the token is for")
        listing = sub.add_parser("list", help="list tokens (never their secrets)")
        listing.add_argument("--user", help="only this user's")
        revoke = sub.add_parser("revoke", help="revoke a token by its id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        getattr(self, f"handle_{action}")(**options)

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        if not user.is_active:
            raise CommandError(f"{username} is deactivated")
        return user

    def handle_create(self, *, user, name, **options):
        issued = token_create(user=self._user(user), name=name)
        self.stderr.write(f"Token {issued.token.pk} for {user}. It is shown only now:")
        self.stdout.write(issued.secret)

    def handle_list(self, *, user=None, **options):
        tokens = ApiToken.objects.select_related("user").order_by("id")
        if user:
            tokens = tokens.filter(user=self._user(user))
        for token in tokens:
            state = "revoked" if token.revoked_at else "active"
            used = token.last_used_at.isoformat() if token.last_used_at else "never"
            self.stdout.write(
                f"{token.pk}\t{token.user.username}\t{token.prefix}…\t{token.name}\t{state}\t"
                f"last used {used}"
            )

    def handle_revoke(self, *, id, **options):
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"no token with id {id}")
        token_revoke(token=token)
        self.stdout.write(f"Token {id} revoked.")
