"""The collection as users get it: the built tarball installs, documents itself and parses from the
installed copy; what ships refers only to what ships; the execution-environment files make a context."""

import glob
import json
import os
import re
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


def _run(cmd, env=None, cwd=None):
    proc = subprocess.run(cmd, cwd=cwd or REPO, env=env, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, "%s\n%s\n%s" % (" ".join(cmd), proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), "."])
    (tarball,) = glob.glob(str(out / "eks_llm-inference-*.tar.gz"))
    cols = out / "collections"
    import ansible_collections

    # the ansible bundle's collections (amazon.aws, kubernetes.core, ...), not this clone's build/collections
    bundle = next(os.path.dirname(p) for p in ansible_collections.__path__ if os.path.isdir(os.path.join(p, "amazon")))
    config = out / "user.cfg"
    config.write_text("[defaults]\n")  # a user's configuration: nothing of the repository's ansible.cfg
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH="%s:%s" % (cols, bundle), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_CONFIG=str(config), PATH=BIN + os.pathsep + os.environ.get("PATH", ""))
    # Installed on its own (no Galaxy here); its dependencies come from the ansible bundle on the path.
    _run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p",
          str(cols), tarball], env=env, cwd=str(out))
    root = cols / "ansible_collections" / "eks_llm" / "inference"
    return {"tarball": tarball, "root": root, "env": env, "out": out}


def test_every_module_role_and_plugin_documents_itself_from_the_installed_copy(installed):
    root, env = installed["root"], installed["env"]
    modules = sorted(os.path.basename(p)[:-3] for p in glob.glob(str(root / "plugins" / "modules" / "*.py")))
    roles = sorted(os.listdir(root / "roles"))
    assert modules and roles
    docs = json.loads(_run([os.path.join(BIN, "ansible-doc"), "-j"] + ["eks_llm.inference." + m for m in modules],
                           env=env, cwd=str(installed["out"])).stdout)
    assert sorted(docs) == ["eks_llm.inference." + m for m in modules]
    for name, doc in docs.items():
        assert str(doc["doc"]["filename"]).startswith(str(root)), "%s documented from outside the installed copy" % name
    for role in roles:
        proc = _run([os.path.join(BIN, "ansible-doc"), "-t", "role", "-j", "eks_llm.inference." + role], env=env,
                    cwd=str(installed["out"]))
        assert json.loads(proc.stdout)["eks_llm.inference." + role]["entry_points"]["main"]["options"]
    for kind, plugin_dir in (("filter", "filter"), ("lookup", "lookup")):
        names = [os.path.basename(p)[:-4] for p in glob.glob(str(root / "plugins" / plugin_dir / "*.yml"))]
        names += [os.path.basename(p)[:-3] for p in glob.glob(str(root / "plugins" / plugin_dir / "*.py"))
                  if "DOCUMENTATION" in open(p).read()]
        for name in names:
            _run([os.path.join(BIN, "ansible-doc"), "-t", kind, "-j", "eks_llm.inference." + name], env=env,
                 cwd=str(installed["out"]))


def test_the_installed_playbooks_parse(installed):
    root, env = installed["root"], installed["env"]
    for playbook in ("site.yml", "playbooks/destroy.yml", "playbooks/show_config.yml"):
        _run([os.path.join(BIN, "ansible-playbook"), "--syntax-check", "-i", "inventories/aws", "-e", "scenario=triton_vllm",
              playbook], env=env, cwd=str(root))


def test_development_files_do_not_ship(installed):
    with tarfile.open(installed["tarball"]) as tar:
        names = tar.getnames()
    assert not [n for n in names if n.split("/")[0] in ("tools", "molecule", "tests", "benchmarks", ".ci", "build")]
    assert "LICENSE" in names


# References to things that are not in the tarball (development files, the project's shared material).
# tools/fill_template.py is the TensorRT-LLM backend repository's own script, which the engine build runs.
UNSHIPPED_REFERENCE = re.compile(
    r"(?<![\w./-])(tools/(?!fill_template\.py)|molecule/|tests/|benchmarks/|\.ci/|Makefile|CONTRIBUTING\.md|\.\./shared|/work/shared"
    r"|inventories/rehearsal|\bmake (?:test|rehearse|venv|lint|unit|sanity|molecule|integration|bench)\b)"
)


def test_what_ships_refers_only_to_what_ships(installed):
    """A user of the installed collection never reads a pointer to a file it does not have."""
    root = installed["root"]
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if rel in ("MANIFEST.json", "FILES.json", "LICENSE") or name.endswith((".png", ".tar.gz")):
                continue
            with open(path, encoding="utf-8", errors="replace") as handle:
                for number, line in enumerate(handle, 1):
                    if UNSHIPPED_REFERENCE.search(line):
                        found.append("%s:%d: %s" % (rel, number, line.strip()[:120]))
    assert found == [], "shipped files point at files that do not ship:\n" + "\n".join(found)


def test_galaxy_metadata_has_no_placeholders_and_a_matching_licence():
    galaxy = yaml.safe_load(open(os.path.join(REPO, "galaxy.yml")))
    assert "example.invalid" not in json.dumps(galaxy)
    assert galaxy["license"] == ["GPL-3.0-or-later"]
    with open(os.path.join(REPO, "LICENSE")) as handle:
        assert "GNU GENERAL PUBLIC LICENSE" in handle.read(200) and "Version 3" in open(os.path.join(REPO, "LICENSE")).read(300)


def test_execution_environment_context(tmp_path):
    """ansible-builder (no container engine needed for `create`) turns our EE files into a build context."""
    for name in ("execution-environment.yml", "requirements.yml", "requirements-runtime.txt", "bindep.txt"):
        with open(os.path.join(REPO, name)) as src, open(tmp_path / name, "w") as dst:
            dst.write(src.read())
    (tmp_path / "eks_llm-inference-1.0.0.tar.gz").write_bytes(b"")
    _run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "ctx"], cwd=str(tmp_path))
    build = tmp_path / "ctx" / "_build"
    python_reqs = (build / "requirements.txt").read_text()
    for package in ("boto3", "botocore", "kubernetes", "PyYAML", "matplotlib"):
        assert package in python_reqs, package
    assert (build / "bindep.txt").read_text() == (tmp_path / "bindep.txt").read_text()
    assert "ansible-galaxy collection install" in (tmp_path / "ctx" / "Dockerfile").read_text()
    runtime = {line.split(">")[0].split("=")[0].strip() for line in open(os.path.join(REPO, "requirements-runtime.txt"))
               if line.strip() and not line.startswith("#")}
    dev = open(os.path.join(REPO, "requirements.txt")).read()
    assert "-r requirements-runtime.txt" in dev and runtime
