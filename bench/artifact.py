"""The deployed artifact as Lambda runs it: packaged by SAM, extracted with the zip's dates, read-only.

Used by `make bench` and by tests/packaging. `sam deploy` zips each built resource with SAM's own
`make_zip_with_lambda_permissions` (samcli/lib/package/utils.py, SAM CLI 1.170), which writes every
entry without a date, so every file arrives dated 1980-01-01. Lambda extracts the function to
/var/task and each layer to /opt, read-only. Here: <root>/task and <root>/opt, files and folders
made read-only, and Python started with -B (we run as root, who could write __pycache__ anyway).

`python -v` prints, per module loaded from a file, either "code object from '<...>.pyc'"
(bytecode used) or "code object from <...>.py" (compiled from source, i.e. no valid bytecode).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / ".aws-sam" / "build"
# `sam build` for this machine's CPU: the same template, Makefiles and hash-pinned lock as the
# deployed build, but the layer's wheels for this host (pydantic-core and wrapt carry native code),
# so that the packaged artifact can run here. On an arm64 host this is the deployed build itself.
HOST_BUILD = ROOT / ".aws-sam" / "host-build"
CACHE = ROOT / "bench" / ".envs"
LAMBDA_PYTHON_VERSION = "3.13"
# Stand-in for the boto3 the python3.13 runtime provides (the layer does not ship it). Assumption:
# a recent boto3; Lambda's own version differs by region and date. Installed by Python 3.13's pip,
# which writes bytecode, as the runtime's image has it.
RUNTIME_BOTO3 = "boto3==1.44.8"

_PYC = re.compile(r"^# code object from '(?P<path>.+\.pyc)'$")
_SOURCE = re.compile(r"^# code object from (?P<path>.+\.py)$")


def python313() -> list[str]:
    """Python 3.13 (the runtime's version), or an error that says how to get one."""
    if shutil.which(f"python{LAMBDA_PYTHON_VERSION}") and _answers([f"python{LAMBDA_PYTHON_VERSION}"]):
        return [f"python{LAMBDA_PYTHON_VERSION}"]
    pyenv = ["env", f"PYENV_VERSION={LAMBDA_PYTHON_VERSION}.0", "pyenv", "exec", "python"]
    if shutil.which("pyenv") and _answers(pyenv):
        return pyenv
    raise RuntimeError(f"Python {LAMBDA_PYTHON_VERSION} is needed to run the packaged artifact (pyenv install 3.13.0)")


def _answers(command: list[str]) -> bool:
    probe = subprocess.run(
        [*command, "-c", "import sys; print(sys.version_info[:2])"], check=False, capture_output=True, text=True
    )
    return probe.returncode == 0 and probe.stdout.strip() == f"({LAMBDA_PYTHON_VERSION.replace('.', ', ')})"


def sam_zip(source: Path, zip_base: Path) -> Path:
    """SAM's own packager for Lambda resources (functions and layers)."""
    from samcli.lib.package.utils import make_zip_with_lambda_permissions

    return Path(make_zip_with_lambda_permissions(str(zip_base), str(source)))


def extract_like_lambda(archive: Path, destination: Path) -> None:
    """Extract keeping each entry's date (zipfile alone would stamp them 'now'), then make it read-only."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            target = Path(zipped.extract(info, destination))
            stamp = time.mktime((*info.date_time, 0, 0, -1))
            os.utime(target, (stamp, stamp))
    read_only(destination)


def read_only(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), reverse=True):  # children before their folder
        mode = stat.S_IMODE(path.stat().st_mode)
        path.chmod(mode & ~0o222)
    tree.chmod(stat.S_IMODE(tree.stat().st_mode) & ~0o222)


def make_writable(tree: Path) -> None:
    for path in [tree, *tree.rglob("*")]:
        path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


@dataclass(frozen=True)
class Deployment:
    """One function and its layer(s), laid out as Lambda does."""

    root: Path

    @property
    def task(self) -> Path:
        return self.root / "task"

    @property
    def opt(self) -> Path:
        return self.root / "opt"

    def sys_path(self, runtime: Path) -> list[str]:
        # Lambda's python3.13 order: /var/task, the layers' paths under /opt, then the runtime's own
        # (boto3, botocore, jmespath, ... which the layer does not ship).
        paths = [self.task, self.opt / "python" / "lib" / "python3.13" / "site-packages", self.opt / "python", runtime]
        return [str(p) for p in paths]

    def remove(self) -> None:
        if self.root.exists():
            make_writable(self.root)
            shutil.rmtree(self.root)


def deploy(function_dir: Path, layer_dirs: list[Path], parent: Path | None = None) -> Deployment:
    """Zip the built function and layers with SAM's packager and extract them as Lambda would."""
    root = Path(tempfile.mkdtemp(prefix="lambda-", dir=parent))
    deployment = Deployment(root)
    zips = root / "zips"
    zips.mkdir()
    extract_like_lambda(sam_zip(function_dir, zips / "function"), deployment.task)
    deployment.opt.mkdir()
    for index, layer in enumerate(layer_dirs):
        extract_like_lambda(sam_zip(layer, zips / f"layer{index}"), deployment.opt)
        make_writable(deployment.opt)  # the next layer extracts over it, as Lambda merges layers
    read_only(deployment.opt)
    shutil.rmtree(zips)
    return deployment


def host_platform() -> str:
    machine = platform.machine().lower()
    return "manylinux2014_aarch64" if machine in {"aarch64", "arm64"} else f"manylinux2014_{machine}"


def sam_build_for_host(build_dir: Path = HOST_BUILD) -> Path:
    """`sam build` (no cache: the test must see every change) with the layer's wheels for this CPU."""
    sam = Path(sys.executable).parent / "sam"
    subprocess.run(
        [str(sam if sam.exists() else "sam"), "build", "--parallel", "--build-dir", str(build_dir)],
        cwd=ROOT,
        env={**os.environ, "LAYER_PLATFORM": host_platform(), "SAM_CLI_TELEMETRY": "0"},
        check=True,
        capture_output=True,
    )
    return build_dir


def deploy_built(function_id: str, build_dir: Path = HOST_BUILD, parent: Path | None = None) -> Deployment:
    """A function from `sam build` with the wrapguard layer."""
    return deploy(build_dir / function_id, [build_dir / "WrapguardLayer"], parent)


def runtime_stand_in() -> Path:
    """boto3 for Python 3.13 outside the dev venv, in place of what the Lambda runtime provides."""
    target = CACHE / f"lambda-runtime-{LAMBDA_PYTHON_VERSION}-{RUNTIME_BOTO3.replace('==', '-')}"
    if not (target / "boto3").exists():
        partial = target.with_suffix(".partial")
        shutil.rmtree(partial, ignore_errors=True)
        pip = [*python313(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "--target", str(partial), RUNTIME_BOTO3], check=True)
        partial.rename(target)
    return target


# Runs in the artifact's interpreter: Lambda's sys.path, then the handler imported as the runtime does
# (importlib.import_module of the Handler's module), timed; prints the seconds and the modules
# that were loaded.
BOOT = """
import sys, time
sys.path[:0] = sys.argv[1].split(":")
started = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[2])
print("import_seconds", time.perf_counter() - started)
print("modules", len(sys.modules))
print("loaded", ",".join(sorted(sys.modules)))
"""


@dataclass(frozen=True)
class ImportReport:
    seconds: float
    modules: int
    loaded: frozenset[str]
    from_bytecode: tuple[str, ...]
    from_source: tuple[str, ...]

    @property
    def file_modules(self) -> int:
        return len(self.from_bytecode) + len(self.from_source)

    @property
    def bytecode_share(self) -> float:
        return len(self.from_bytecode) / self.file_modules if self.file_modules else 0.0


def import_handler(
    deployment: Deployment,
    env: dict[str, str],
    *,
    module: str = "app",
    verbose: bool = True,
    runtime: Path | None = None,
    python: list[str] | None = None,
) -> ImportReport:
    """Import the handler module in a fresh Python 3.13 as Lambda's runtime would."""
    flags = ["-I", "-S", "-B"] + (["-v"] if verbose else [])  # -I -S: nothing from any venv or site
    proc = subprocess.run(
        [
            *(python or python313()),
            *flags,
            "-c",
            BOOT,
            ":".join(deployment.sys_path(runtime or runtime_stand_in())),
            module,
        ],
        env={**minimal_env(), "LAMBDA_TASK_ROOT": str(deployment.task), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        tail = "\n".join(line for line in proc.stderr.splitlines() if not line.startswith("#"))[-3000:]
        raise RuntimeError(f"importing {module} from {deployment.root} failed:\n{tail}")
    values = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if " " in line)
    pyc, source = [], []
    for line in proc.stderr.splitlines():
        if (hit := _PYC.match(line)) and hit["path"].startswith(str(deployment.root)):
            pyc.append(hit["path"])
        elif (hit := _SOURCE.match(line)) and hit["path"].startswith(str(deployment.root)):
            source.append(hit["path"])
    return ImportReport(
        seconds=float(values["import_seconds"]),
        modules=int(values["modules"]),
        loaded=frozenset(values.get("loaded", "").split(",")),
        from_bytecode=tuple(pyc),
        from_source=tuple(source),
    )


# Runs in the artifact's interpreter: import the handler, then one invocation (the cold first call),
# timed; prints the result and every module loaded by then.
BOOT_CALL = """
import json, sys, time
sys.path[:0] = sys.argv[1].split(":")
started = time.perf_counter()
import importlib
module = importlib.import_module(sys.argv[2])
imported = time.perf_counter()
class Context:
    function_name = "cold-call"; memory_limit_in_mb = 512; aws_request_id = "cold-call-request"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:cold-call"
    def get_remaining_time_in_millis(self): return 20000
result = module.lambda_handler(json.loads(sys.argv[3]), Context())
done = time.perf_counter()
print("result", json.dumps(result))
print("import_seconds", imported - started)
print("call_seconds", done - imported)
print("loaded", ",".join(sorted(sys.modules)))
"""


@dataclass(frozen=True)
class ColdCall:
    import_seconds: float
    call_seconds: float
    result: dict[str, Any]
    loaded: frozenset[str]

    @property
    def total_seconds(self) -> float:
        return self.import_seconds + self.call_seconds


def cold_call(
    deployment: Deployment, env: dict[str, str], event: dict[str, Any], *, python: list[str] | None = None
) -> ColdCall:
    """A fresh Python 3.13 imports the handler and serves its first invocation."""
    argv = [":".join(deployment.sys_path(runtime_stand_in())), "app", json.dumps(event)]
    proc = subprocess.run(
        [*(python or python313()), "-I", "-S", "-B", "-c", BOOT_CALL, *argv],
        env={**minimal_env(), "LAMBDA_TASK_ROOT": str(deployment.task), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"cold call in {deployment.root} failed:\n{proc.stderr[-3000:]}")
    values = dict(line.split(" ", 1) for line in proc.stdout.splitlines() if line.split(" ", 1)[0] in _KEYS)
    return ColdCall(
        import_seconds=float(values["import_seconds"]),
        call_seconds=float(values["call_seconds"]),
        result=json.loads(values["result"]),
        loaded=frozenset(values["loaded"].split(",")),
    )


_KEYS = {"result", "import_seconds", "call_seconds", "loaded"}


def function_env(
    function_id: str, resources: dict[str, str], parameters: dict[str, str] | None = None
) -> dict[str, str]:
    """The function's environment as template.yaml sets it: Globals, then the function's own,
    parameters at their defaults unless given, `resources` naming the resources it refers to."""
    from wrapguard_local.template import load_template

    template = load_template()
    values = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    # A resource not named in `resources` stands for itself (its logical id, e.g. a table name).
    # The stack's name names the metrics' namespace and service (Globals): the default stack name here.
    values |= {name: name for name in template["Resources"]}
    values |= {"AWS::Region": "us-east-1", "AWS::StackName": "wrapguard"}
    values |= resources | (parameters or {})
    conditions = template.get("Conditions", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, str):
            return node
        ((kind, arg),) = node.items()
        if kind == "Ref":
            return values[arg]
        if kind == "Fn::If":
            name, when_true, when_false = arg
            return resolve(when_true if resolve(conditions[name]) else when_false)
        if kind == "Fn::Equals":
            return resolve(arg[0]) == resolve(arg[1])
        if kind == "Fn::Not":
            return not resolve(arg[0])
        if kind == "Fn::GetAtt":  # unnamed in `resources`: unset (e.g. POLICY_APPCONFIG_*: WRAPUP_POLICY alone)
            return values.get(str(arg), "")
        raise ValueError(f"{function_id}: cannot resolve {kind} in its environment")

    variables = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    own = template["Resources"][function_id]["Properties"].get("Environment", {}).get("Variables", {})
    return {name: str(resolve(value)) for name, value in (variables | own).items()}


def minimal_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "PYENV_ROOT", "LANG")
    return {name: os.environ[name] for name in keep if name in os.environ}


if __name__ == "__main__":  # quick look: python -m bench.artifact ApplyWrapupFunction
    if not HOST_BUILD.exists():
        sam_build_for_host()
    target = deploy_built(sys.argv[1] if len(sys.argv) > 1 else "ApplyWrapupFunction")
    try:
        env = {"FAILURES_TABLE_NAME": "fff", "STAGED_CODES_TABLE_NAME": "sss", "IDEMPOTENCY_TABLE_NAME": "iii"}
        env |= {"CHECKPOINT_TABLE_NAME": "ccc", "GENESYS_CREDENTIALS_SECRET": "x", "AWS_REGION": "us-east-1"}
        report = import_handler(target, env, runtime=runtime_stand_in())
        share = f"{len(report.from_bytecode)}/{report.file_modules}"
        print(f"{report.seconds:.3f}s modules={report.modules} bytecode {share}")
        print("source:", *report.from_source[:10], sep="\n  ")
        print(sorted(m for m in report.loaded if m.split(".")[0] in {"botocore", "boto3", "aws_xray_sdk"})[:5])
    finally:
        target.remove()
