"""The exceptions of the real modal.exception that the stand-in raises."""


class Error(Exception):
    pass


class AuthError(Error):
    pass


class InvalidError(Error):
    pass


class NotFoundError(Error):
    pass
