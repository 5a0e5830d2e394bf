"""What a service directory holds, by name (standard library only: the config gate's parent
process needs the names without importing the settings machinery)."""

#: The module that defines the service's ``Settings`` class.
SETTINGS_FILE = "settings.py"
#: The directory of per-environment TOML files (``default.toml``, ``<env>.toml``).
CONFIG_DIR = "config"
