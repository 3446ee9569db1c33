"""The interface a file's tools, resources and prompts show the model (FML710's snapshot).

For each registration whose server and name (URI for a resource) are known statically: the
description and every schema parameter (see `FileModel.schema_parameters`) with its type as
written (whitespace normalised), whether it is required, and its default as written. Plain
data, so it travels in the file's facts and the project phase compares it with a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from fastmcp_preflight.model.file_model import FileModel, keyword, positional

#: (name, type as written or "", required, default as written or None)
Parameter = tuple[str, str, bool, "str | None"]


@dataclass(frozen=True)
class Interface:
    kind: str
    key: str
    server: str
    function: cst.Name
    description: str
    parameters: tuple[Parameter, ...]


def interfaces(model: FileModel, module: str) -> list[Interface]:
    """The interface of every tool, resource and prompt of the file, in source order."""
    code = model.module_scope.node
    assert isinstance(code, cst.Module)
    found = []
    for registration in model.registrations:
        if registration.kind == "route":
            continue
        key = model.registered_key(registration)
        server = model.server_identity(registration, module)
        if key is None or server is None:
            continue
        description = model.description_of(registration)
        parameters = tuple(_parameter(code, param)
                           for param in model.schema_parameters(registration))
        found.append(Interface(registration.kind, key, server, registration.function.name,
                               (description.text or "") if description else "", parameters))
    return found


def _text(module: cst.Module, node: cst.CSTNode) -> str:
    return " ".join(module.code_for_node(node).split())


def _parameter(module: cst.Module, param: cst.Param) -> Parameter:
    annotation = (_text(module, param.annotation.annotation)
                  if param.annotation is not None else "")
    default = param.default
    if default is None:
        return (param.name.value, annotation, True, None)
    if isinstance(default, cst.Call) and (_callee(default) == "Field"):
        given = positional(default, 0) or keyword(default, "default")
        if given is None:
            factory = keyword(default, "default_factory")
            if factory is None:
                return (param.name.value, annotation, True, None)
            return (param.name.value, annotation, False, _text(module, factory.value) + "()")
        if isinstance(given.value, cst.Ellipsis):
            return (param.name.value, annotation, True, None)
        return (param.name.value, annotation, False, _text(module, given.value))
    return (param.name.value, annotation, False, _text(module, default))


def _callee(call: cst.Call) -> str:
    func = call.func
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return func.value if isinstance(func, cst.Name) else ""


def server_sites(model: FileModel, module: str) -> dict[str, cst.CSTNode]:
    """`module:name` of each server bound at module level -> its construction (where a
    removed tool is reported)."""
    sites = {site.call for site in model.server_sites}
    found: dict[str, cst.CSTNode] = {}
    code = model.module_scope.node
    assert isinstance(code, cst.Module)
    for statement in code.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign)) and small.value in sites:
                targets = ([t.target for t in small.targets] if isinstance(small, cst.Assign)
                           else [small.target])
                for target in targets:
                    if isinstance(target, cst.Name):
                        found.setdefault(f"{module}:{target.value}", small.value)
    return found
