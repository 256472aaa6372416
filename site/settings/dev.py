# The embedded default used by `make run`: one process, SQLite, in-memory channel
# layer and database search unless the environment says otherwise.
from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
WHITENOISE_AUTOREFRESH = DEBUG
