"""The `modal` command (modal deploy) and a Modal container, for the README's Modal recipe.

    python3 modal_stand_in.py WORLD cli ARG...        the `modal` command
    python3 modal_stand_in.py WORLD container CALL    runs one recorded call, as its container would

The container loads the deployed app's file as Modal does, works in the image's WORKDIR (a
directory in the world holding the runner's run.sh), calls the function with the call's
arguments, and then reports whether a secret argument was left in its own environment.
"""

import json
import os
import runpy
import sys


def _secrets(world):
    with open(os.path.join(world, "secrets.txt")) as f:
        return [line for line in f.read().split("\n") if line]


def _record(world, entry):
    with open(os.path.join(world, "log.jsonl"), "a") as log:
        log.write(json.dumps(entry) + "\n")


def _load_app(path, name):
    import modal

    before = len(modal._APPS)
    runpy.run_path(path, run_name="runner_app")
    apps = [app for app in modal._APPS[before:] if app.name == name] if name else modal._APPS[before:]
    return apps


def cli(world, args):
    entry = {"tool": "modal", "argv": args, "cwd": os.getcwd(), "user": os.environ.get("MRT_USER", "runner"), "env": dict(os.environ)}
    exposed = [i for i, arg in enumerate(args) if any(secret in arg for secret in _secrets(world))]
    if exposed:
        _record(world, {**entry, "refused": "secret on the command line"})
        sys.exit(f"modal (stand-in): refusing to run: argument {exposed[0] + 1} holds a secret")
    _record(world, entry)
    try:
        import modal
    except ModuleNotFoundError:
        sys.stderr.write("bash: modal: command not found\n")
        sys.exit(127)

    if not args or args[0] != "deploy":
        sys.exit(f"modal (stand-in): `modal {' '.join(args[:1])}` is not something the recipes call")
    modal._client()
    path = os.path.abspath(args[1])
    apps = [app for app in _load_app(path, None)]
    named = [app for app in apps if app.name]
    if len(named) != 1:
        sys.exit("modal deploy: the file must define exactly one named modal.App")
    app = named[0]
    deployments = modal._state("deployments", {})
    deployments[app.name] = {
        "file": path,
        "image": app.image.steps if app.image else [],
        "functions": {name: {k: v for k, v in f.options.items() if isinstance(v, (bool, int, str, float))} for name, f in app.functions.items()},
    }
    modal._save("deployments", deployments)
    print(f"✓ App deployed! {app.name}")


def container(world, call_id):
    import modal

    call = next(c for c in modal._state("calls", []) if c["id"] == call_id)
    deployment = modal._state("deployments", {})[call["app"]]
    workdir = "/"
    for step in deployment["image"]:
        if step[0] == "workdir":
            workdir = step[1]
    root = os.path.join(world, "modal-root", call_id, workdir.lstrip("/"))
    os.makedirs(root, exist_ok=True)
    for tool in ("run.sh", "config.sh"):
        os.symlink(os.path.join(world, "runner-files", tool), os.path.join(root, tool))
    os.chdir(root)
    (app,) = _load_app(deployment["file"], call["app"])
    function = app.functions[call["function"]]
    function.get_raw_f()(*call["args"], **call["kwargs"])
    secrets = [arg for arg in call["args"] if isinstance(arg, str)]
    with open("/proc/self/environ", "rb") as f:
        environ = f.read().decode("latin1")
    leaked = any(s in environ for s in secrets) or any(s in v for s in secrets for v in os.environ.values())
    print(json.dumps({"call": call_id, "environ_leak": leaked}))


if __name__ == "__main__":
    world, mode, *rest = sys.argv[1:]
    os.environ["MRT_WORLD"] = world
    if mode == "cli":
        cli(world, rest)
    else:
        container(world, rest[0])
