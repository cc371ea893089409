"""Render a role's templates and variables with Ansible's own templating engine (no cluster, no AWS).

Variables are layered as Ansible does for a role: defaults/main.yml < vars/main.yml < the caller's extra
variables. Templates are rendered through the real ``ansible.builtin.template`` lookup, the same path the
roles use (``lookup('ansible.builtin.template', ...) | from_yaml``).
"""

import os
import sys

import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import init_plugin_loader
from ansible.template import Templar, trust_as_template

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES_DIR = os.path.join(REPO_ROOT, "roles")

_PLUGINS_READY = False


def _init_plugins():
    global _PLUGINS_READY
    if not _PLUGINS_READY:
        # Tests that imported the collection as a plain package first would hide its plugins from the loader.
        for name in [m for m in sys.modules if m == "ansible_collections" or m.startswith("ansible_collections.")]:
            del sys.modules[name]
        init_plugin_loader([os.path.join(REPO_ROOT, "build", "collections")])
        _PLUGINS_READY = True


def trusted(value):
    """Nested strings of a vars file are templates to Ansible (RoleRenderer trusts only top-level strings)."""
    if isinstance(value, dict):
        return {k: trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [trusted(v) for v in value]
    return trust_as_template(value) if isinstance(value, str) else value


class RoleRenderer:
    def __init__(self, role, extra_vars=None):
        _init_plugins()
        self.role = role
        self.role_dir = os.path.join(ROLES_DIR, role)
        self.loader = DataLoader()
        variables = {}
        for sub in ("defaults", "vars"):
            path = os.path.join(self.role_dir, sub, "main.yml")
            if os.path.isfile(path):
                variables.update(self.loader.load_from_file(path, trusted_as_template=True) or {})
        for key, value in (extra_vars or {}).items():
            variables[key] = trust_as_template(value) if isinstance(value, str) else value
        self.variables = variables
        self.templar = Templar(loader=self.loader, variables=variables)

    def var(self, name):
        """The fully rendered value of a variable (native types kept)."""
        return self.templar.template(self.variables[name])

    def expr(self, expression):
        return self.templar.template(trust_as_template("{{ %s }}" % expression))

    def template_text(self, name):
        path = os.path.join(self.role_dir, "templates", name)
        return self.expr("lookup('ansible.builtin.template', %r)" % path)

    def template_yaml(self, name):
        return yaml.safe_load(self.template_text(name))
