"""Exit codes and the one exception type commands raise to stop with a message."""

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130  # Ctrl-C, on every path (128 + SIGINT, as shells report it)


class TitoError(Exception):
    """A failure explained to the user; `code` becomes the exit code (1 failure, 2 usage, 130 Ctrl-C)."""

    def __init__(self, message: str, code: int = EXIT_FAILURE):
        super().__init__(message)
        self.code = code
