from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HmsConfig(AppConfig):
    name = "hms"
    verbose_name = _("HSE management")

    def ready(self) -> None:
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        from hms.middleware import touch_session

        # Django stamps last_login at every sign-in (password and OpenID Connect alike): a
        # sign-in a minute before an anonymous report's time would name its reporter. Nothing
        # in the app reads it. (django.contrib.auth connects it in its ready(), which runs
        # before this app's.)
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")

        # A fresh sign-in counts as the session's first sign of life (SessionIdleMiddleware).
        def touch_at_sign_in(sender, request, user, **kwargs):
            if getattr(request, "session", None) is not None:
                touch_session(request.session)

        user_logged_in.connect(touch_at_sign_in, dispatch_uid="hms-touch-session-at-sign-in")
