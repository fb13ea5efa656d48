"""A stand-in for the `modal` package, for the README's Modal recipe (no pip packages here).

It keeps to the real SDK's names and signatures for what the recipe uses (modal 1.3 to 1.5:
Image, App.function, Function.from_name, spawn, spawn_map, remote, map) and records, in the
test's world ($MRT_WORLD), which apps were deployed and which calls were made. It refuses what
the real SDK refuses: unknown options to App.function, a lookup of an app that was never
deployed, and any call without Modal credentials in the environment.
"""

import json
import os

from . import exception


def _installed():
    # `import modal` works where pip installed it (the recipe's step), and in Modal's containers.
    if os.environ.get("MRT_MODAL_CONTAINER"):
        return
    path = os.path.join(os.environ.get("MRT_WORLD", "/nonexistent"), "state", "pip.json")
    installed = json.load(open(path)).get("installed", []) if os.path.exists(path) else []
    if not any(spec.split("=")[0].split(">")[0].split("<")[0].split("[")[0] == "modal" for spec in installed):
        raise ModuleNotFoundError("No module named 'modal'")


_installed()

__all__ = ["App", "Function", "Image", "Secret", "exception"]

_APPS = []

# The keyword options of App.function in modal 1.5 (py/modal/app.py).
FUNCTION_OPTIONS = {
    "image", "schedule", "env", "secrets", "gpu", "serialized", "network_file_systems", "volumes", "cpu", "memory",
    "ephemeral_disk", "min_containers", "max_containers", "buffer_containers", "scaledown_window", "proxy", "retries",
    "timeout", "startup_timeout", "name", "is_generator", "cloud", "region", "routing_region", "nonpreemptible",
    "enable_memory_snapshot", "block_network", "restrict_modal_access", "single_use_containers", "i6pn",
    "include_source", "experimental_options", "max_inputs",
}


def _world():
    world = os.environ.get("MRT_WORLD")
    if not world:
        raise RuntimeError("modal stand-in: MRT_WORLD is not set")
    return world


def _record(event):
    event = {"tool": "modal-sdk", "user": os.environ.get("MRT_USER", "runner"), "at": 0, **event}
    with open(os.path.join(_world(), "log.jsonl"), "a") as log:
        log.write(json.dumps(event) + "\n")


def _state(name, default):
    path = os.path.join(_world(), "state", f"modal-{name}.json")
    if not os.path.exists(path):
        return default
    with open(path) as f:
        return json.load(f)


def _save(name, value):
    os.makedirs(os.path.join(_world(), "state"), exist_ok=True)
    with open(os.path.join(_world(), "state", f"modal-{name}.json"), "w") as f:
        json.dump(value, f, indent=1)


def _client():
    if not (os.environ.get("MODAL_TOKEN_ID") and os.environ.get("MODAL_TOKEN_SECRET")):
        raise exception.AuthError("Token missing. Could not authenticate client.")


class Image:
    def __init__(self, steps):
        self.steps = steps

    @staticmethod
    def debian_slim(python_version=None, force_build=False):
        return Image([["debian_slim", python_version]])

    def apt_install(self, *packages, **kwargs):
        return Image(self.steps + [["apt_install", list(packages)]])

    def pip_install(self, *packages, **kwargs):
        return Image(self.steps + [["pip_install", list(packages)]])

    def run_commands(self, *commands, **kwargs):
        return Image(self.steps + [["run_commands", list(commands)]])

    def workdir(self, path):
        return Image(self.steps + [["workdir", str(path)]])

    def env(self, vars):
        return Image(self.steps + [["env", dict(vars)]])


class Secret:
    def __init__(self, description):
        self.description = description

    @staticmethod
    def from_name(name, **kwargs):
        return Secret(["from_name", name])

    @staticmethod
    def from_local_environ(env_keys):
        # Copies values from the local environment into a Modal Secret.
        return Secret(["from_local_environ", list(env_keys)])


class FunctionCall:
    def __init__(self, call_id):
        self.object_id = call_id


class Function:
    def __init__(self, app_name, name, raw=None, options=None):
        self.app_name = app_name
        self.name = name
        self._raw = raw
        self.options = options or {}

    @staticmethod
    def from_name(app_name, name, *, version=None, environment_name=None, client=None):
        if "." in name:
            raise exception.InvalidError(f"Invalid Function name: {name!r}.")
        return Function(app_name, name)

    def _deployed(self):
        _client()
        deployment = _state("deployments", {}).get(self.app_name)
        if not deployment or self.name not in deployment["functions"]:
            raise exception.NotFoundError(f"Lookup failed for Function '{self.name}' from the '{self.app_name}' app: App '{self.app_name}' not found.")

    def _call(self, kind, args, kwargs):
        self._deployed()
        calls = _state("calls", [])
        call = {"id": f"fc-{len(calls) + 1:04d}", "kind": kind, "app": self.app_name, "function": self.name, "args": list(args), "kwargs": kwargs}
        calls.append(call)
        _save("calls", calls)
        _record({"event": kind, "app": self.app_name, "function": self.name, "call": call["id"]})
        return FunctionCall(call["id"])

    def spawn(self, *args, **kwargs):
        return self._call("spawn", args, kwargs)

    def spawn_map(self, *input_iterators, kwargs={}):
        for args in zip(*input_iterators):
            self._call("spawn_map", args, kwargs)

    def remote(self, *args, **kwargs):
        # The real one waits for the function to return: for a runner, until its job is done.
        self._call("remote", args, kwargs)

    def map(self, *input_iterators, kwargs={}, **options):
        for args in zip(*input_iterators):
            self._call("map", args, kwargs)
        return iter(())

    def local(self, *args, **kwargs):
        return self._raw(*args, **kwargs)

    def get_raw_f(self):
        return self._raw


class App:
    def __init__(self, name=None, *, image=None, secrets=None, volumes=None, include_source=None, tags=None):
        self.name = name
        self.image = image
        self.functions = {}
        _APPS.append(self)

    def function(self, _warn_parentheses_missing=None, **options):
        if _warn_parentheses_missing is not None:
            raise exception.InvalidError("Did you forget parentheses? Suggestion: `@app.function()`.")
        unknown = sorted(set(options) - FUNCTION_OPTIONS)
        if unknown:
            raise TypeError(f"function() got an unexpected keyword argument '{unknown[0]}'")
        if options.get("max_inputs") not in (None, 1):
            raise exception.InvalidError("Only `max_inputs=1` is currently supported")

        def decorate(raw):
            function = Function(self.name, options.get("name", raw.__name__), raw, options)
            self.functions[function.name] = function
            return function

        return decorate

    def local_entrypoint(self, _warn_parentheses_missing=None, *, name=None):
        def decorate(raw):
            return raw

        return decorate
